const vm = require("vm");

exports.handler = async (event) => {
  const fn = new Function("return " + event.body);  // expect: javascript/code-injection
  const sandbox = { result: null };
  vm.runInNewContext(event.script, sandbox);  // expect: javascript/code-injection
  return { a: fn(), b: sandbox.result };
};
