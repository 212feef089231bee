const fs = require("fs");
const path = require("path");
const express = require("express");

const app = express();

app.get("/files/:name", (req, res) => {
  fs.readFile(path.join(__dirname, "uploads", req.params.name), (err, data) => {  // expect: javascript/path-traversal
    if (err) return res.sendStatus(404);
    res.send(data);
  });
});
