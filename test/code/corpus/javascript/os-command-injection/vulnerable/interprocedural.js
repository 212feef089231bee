const { execSync } = require("child_process");

function run(command) {
  return execSync(command).toString();  // expect: javascript/os-command-injection
}

function archive(path) {
  return run("tar czf /tmp/out.tgz " + path);
}

module.exports.handler = async (event, context) => archive(event.path);
