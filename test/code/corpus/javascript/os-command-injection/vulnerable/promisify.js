const util = require("util");
const execAsync = util.promisify(require("child_process").exec);

exports.handler = async (event) => {
  const body = JSON.parse(event.body);
  const { stdout } = await execAsync("git clone " + body.repo + " /tmp/repo");  // expect: javascript/os-command-injection
  return stdout;
};
