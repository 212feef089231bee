const crypto = require("crypto");

function newSession() {
  const token = crypto.randomBytes(32).toString("hex");
  const sessionId = crypto.randomUUID();
  return { token, sessionId };
}

function jitter(items) {
  const delay = Math.random() * 100;
  const pick = items[Math.floor(Math.random() * items.length)];
  return { delay, pick };
}

module.exports = { newSession, jitter };
