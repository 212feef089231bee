const { exec } = require("child_process");

exports.handler = async (event) => {
  const file = event.Records[0].s3.object.key;
  exec(`convert /tmp/${file} /tmp/thumb.png`, (err) => {  // expect: javascript/os-command-injection
    if (err) console.error(err);
  });
};
