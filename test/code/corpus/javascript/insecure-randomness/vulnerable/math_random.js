function generateResetCode() {
  return Math.floor(Math.random() * 1e6).toString();  // expect: javascript/insecure-randomness
}

function login(req, res) {
  const token = Math.random().toString(36).substring(2);  // expect: javascript/insecure-randomness
  req.session.csrfToken = Math.random().toString(36);  // expect: javascript/insecure-randomness
  res.json({ token, code: generateResetCode() });
}

module.exports = { login };
