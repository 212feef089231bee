const AWS = require("aws-sdk");

const s3 = new AWS.S3({
  accessKeyId: "AKIAG6ZDMEN4KHVDQ2WR",  // expect: javascript/hardcoded-credentials
  secretAccessKey: "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",  // expect: javascript/hardcoded-credentials
  region: "us-east-1",
});

exports.handler = async () => s3.listBuckets().promise();
