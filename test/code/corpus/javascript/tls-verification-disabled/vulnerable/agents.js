const https = require("https");
const axios = require("axios");
const request = require("request");

process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";  // expect: javascript/tls-verification-disabled

const agent = new https.Agent({ rejectUnauthorized: false });  // expect: javascript/tls-verification-disabled

const client = axios.create({
  httpsAgent: new https.Agent({
    rejectUnauthorized: false,  // expect: javascript/tls-verification-disabled
  }),
});

request({ url: "https://internal.example.com", strictSSL: false });  // expect: javascript/tls-verification-disabled

module.exports = { agent, client };
