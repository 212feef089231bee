const jwt = require("jsonwebtoken");

const config = {
  db: { host: "db.internal", user: "admin", password: "hunter2-Prod!" },  // expect: javascript/hardcoded-credentials
  stripeKey: "sk_live_qmSM9wCZ7Uw9xfogoEmvnEN5",  // expect: javascript/hardcoded-credentials
};

const GITHUB_TOKEN = "ghp_EEtfjgVvVqE1SkHbn88HxjSI6bWHtP3fS2qH";  // expect: javascript/hardcoded-credentials

function sign(payload) {
  return jwt.sign(payload, "7f3a9c2e-signing-Key-2024", { expiresIn: "1h" });  // expect: javascript/hardcoded-credentials
}

module.exports = { config, sign, GITHUB_TOKEN };
