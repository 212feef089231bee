const example = {
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  password: "<your-password>",
  apiKey: "YOUR_API_KEY",
  token: "xxxxxxxxxxxxxxxxxxxxxxxxxxxx",
  connection: "postgres://user:password@localhost/app",
};

const passwordField = "password";
const PASSWORD_MIN_LENGTH = 12;
const TOKEN_HEADER = "x-auth-token";
const secretName = "prod/api/credentials";

function check(password) {
  return password === "" || password === passwordField;
}

module.exports = { example, PASSWORD_MIN_LENGTH, TOKEN_HEADER, secretName, check };
