const { Client } = require("pg");

const client = new Client();

exports.handler = async (event) => {
  const id = event.pathParameters.id;
  await client.connect();
  const res = await client.query(`SELECT * FROM orders WHERE id = ${id}`);  // expect: javascript/sql-injection
  return { statusCode: 200, body: JSON.stringify(res.rows) };
};
