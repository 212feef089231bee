const { spawn, spawnSync } = require("child_process");

exports.handler = async (event) => {
  const { cmd, dir } = JSON.parse(event.body);
  spawn(cmd, { shell: true });  // expect: javascript/os-command-injection
  spawnSync("sh", ["-c", "du -sh " + dir]);  // expect: javascript/os-command-injection
  spawn(dir, ["--help"]);  // expect: javascript/os-command-injection
};
