const express = require("express");

const app = express();

app.post("/calc", (req, res) => {
  const result = eval(req.body.expression);  // expect: javascript/code-injection
  res.json({ result });
});
