const { unserialize } = require("node-serialize");

exports.handler = async (event) => {
  const state = unserialize(event.body);  // expect: javascript/unsafe-deserialization
  return { statusCode: 200, body: JSON.stringify(state) };
};
