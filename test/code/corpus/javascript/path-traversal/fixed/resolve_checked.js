const fs = require("fs");
const path = require("path");
const express = require("express");

const app = express();
const BASE = "/srv/files";

app.get("/files/:name", (req, res) => {
  const full = path.resolve(BASE, req.params.name);
  if (!full.startsWith(BASE + path.sep)) {
    return res.status(403).end();
  }
  res.send(fs.readFileSync(full));
});
