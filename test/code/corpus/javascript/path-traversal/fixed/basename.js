const fs = require("fs");
const path = require("path");

exports.handler = async (event) => {
  const name = path.basename(event.pathParameters.name);
  return fs.readFileSync(path.join("/tmp/uploads", name), "utf8");
};
