const fs = require("fs");

function render(request) {
  return fs.readFileSync(request.template, "utf8");
}

function load(req) {
  return fs.readFileSync(req.path);
}

module.exports = { render, load };
