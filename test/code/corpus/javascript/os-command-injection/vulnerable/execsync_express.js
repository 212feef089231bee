const child_process = require("node:child_process");
const express = require("express");

const app = express();

app.get("/ping", (req, res) => {
  const out = child_process.execSync("ping -c 1 " + req.query.host);  // expect: javascript/os-command-injection
  res.send(out.toString());
});
