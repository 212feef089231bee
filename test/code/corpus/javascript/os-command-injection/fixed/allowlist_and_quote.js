const { execSync, exec } = require("child_process");
const { quote } = require("shell-quote");

const ACTIONS = ["status", "version"];

exports.handler = async (event) => {
  const action = event.action;
  if (!ACTIONS.includes(action)) {
    return { statusCode: 400 };
  }
  execSync("app " + action);
  exec("ls " + quote([event.dir]), () => {});
  return { statusCode: 200 };
};
