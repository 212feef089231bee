import { readFile, writeFile } from "fs/promises";
import { createReadStream } from "node:fs";

export const handler = async (event) => {
  const key = event.queryStringParameters.key;
  const data = await readFile("/var/data/" + key, "utf8");  // expect: javascript/path-traversal
  await writeFile(`/tmp/${event.body}`, data);  // expect: javascript/path-traversal
  const stream = createReadStream(`/var/data/${key}`);  // expect: javascript/path-traversal
  return { statusCode: 200, body: data, stream };
};
