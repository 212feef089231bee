const { Pool } = require("pg");

const pool = new Pool();

exports.handler = async (event) => {
  const limit = Number(event.queryStringParameters.limit);
  const offset = parseInt(event.queryStringParameters.offset, 10);
  const res = await pool.query(`SELECT * FROM items LIMIT ${limit} OFFSET ${offset}`);
  return res.rows;
};
