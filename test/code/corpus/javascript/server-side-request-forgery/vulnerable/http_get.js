const http = require("http");
const https = require("https");

module.exports = function proxy(req, res) {
  https.get(req.query.target, (upstream) => upstream.pipe(res));  // expect: javascript/server-side-request-forgery
  http.request({ host: req.query.host, path: "/status" }).end();  // expect: javascript/server-side-request-forgery
};
