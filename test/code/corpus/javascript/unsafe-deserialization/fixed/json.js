const serialize = require("node-serialize");

const DEFAULTS = serialize.unserialize('{"theme":"dark"}');

exports.handler = async (event) => {
  const state = JSON.parse(event.body);
  return { statusCode: 200, body: serialize.serialize({ ...DEFAULTS, ...state }) };
};
