const got = require("got");

exports.handler = async (event) => {
  const host = event.host;
  return got(`http://${host}:8080/health`).json();  // expect: javascript/server-side-request-forgery
};
