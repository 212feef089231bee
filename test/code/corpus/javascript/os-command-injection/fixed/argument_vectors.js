const { execFile, spawn } = require("child_process");

exports.handler = async (event) => {
  execFile("convert", [event.file, "/tmp/out.png"], () => {});
  spawn("ls", ["-la", event.dir]);
};
