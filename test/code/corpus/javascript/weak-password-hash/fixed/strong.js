const crypto = require("crypto");
const bcrypt = require("bcrypt");

async function hashPassword(password) {
  return bcrypt.hash(password, 12);
}

function derive(password, salt) {
  return crypto.scryptSync(password, salt, 64).toString("hex");
}

function contentMd5(body) {
  return crypto.createHash("md5").update(body).digest("base64");
}

module.exports = { hashPassword, derive, contentMd5 };
