function schedule(req, res) {
  setTimeout(req.query.callback, 100);  // expect: javascript/code-injection
  res.end();
}

module.exports = schedule;
