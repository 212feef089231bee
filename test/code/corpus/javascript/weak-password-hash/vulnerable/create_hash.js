const crypto = require("crypto");
const { createHash } = require("node:crypto");
const CryptoJS = require("crypto-js");

function hashPassword(password) {
  return crypto.createHash("md5").update(password).digest("hex");  // expect: javascript/weak-password-hash
}

function storeUser(user) {
  const digest = createHash("sha1").update(user.password).digest("hex");  // expect: javascript/weak-password-hash
  const legacy = CryptoJS.MD5(user.passwd).toString();  // expect: javascript/weak-password-hash
  return { digest, legacy };
}

module.exports = { hashPassword, storeUser };
