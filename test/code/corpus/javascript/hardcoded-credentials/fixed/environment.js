const AWS = require("aws-sdk");

const config = {
  db: { password: process.env.PGPASSWORD || "" },
  apiKey: process.env.API_KEY,
  token: "",
};

const s3 = new AWS.S3();

module.exports = { config, s3 };
