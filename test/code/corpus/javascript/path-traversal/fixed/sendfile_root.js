const express = require("express");

const app = express();
const PUBLIC_DIR = "/srv/public";

app.get("/static/:name", (req, res) => {
  res.sendFile(req.params.name, { root: PUBLIC_DIR });
});

app.get("/", (req, res) => {
  res.sendFile("/srv/public/index.html");
});
