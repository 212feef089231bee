const fs = require("fs");
const https = require("https");

process.env.NODE_TLS_REJECT_UNAUTHORIZED = "1";

const agent = new https.Agent({ rejectUnauthorized: true, ca: fs.readFileSync("/opt/ca.pem") });

module.exports = { agent };
