const { execSync } = require("child_process");

module.exports = {
  handler: async ({ body }) => {
    const { branch } = JSON.parse(body);
    return execSync(["git", "checkout", branch].join(" ")).toString();  // expect: javascript/os-command-injection
  },
};
