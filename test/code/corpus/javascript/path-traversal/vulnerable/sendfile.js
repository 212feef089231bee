const express = require("express");

const router = express.Router();

router.get("/download", function (req, res) {
  res.sendFile(req.query.file);  // expect: javascript/path-traversal
});

router.get("/export/:name", function (req, res) {
  res.download("/data/exports/" + req.params.name);  // expect: javascript/path-traversal
});

module.exports = router;
