const axios = require("axios");

exports.handler = async (event) => {
  const target = event.queryStringParameters.url;
  const response = await axios.get(target);  // expect: javascript/server-side-request-forgery
  return { statusCode: response.status };
};
