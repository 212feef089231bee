const express = require("express");

const app = express();
app.use(express.json());

app.post("/webhooks", async (req, res) => {
  const hook = req.body.webhook;
  await fetch(hook, { method: "POST", body: JSON.stringify({ ok: true }) });  // expect: javascript/server-side-request-forgery
  res.sendStatus(204);
});
