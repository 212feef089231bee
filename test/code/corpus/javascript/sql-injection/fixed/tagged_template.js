const sql = require("sql-template-strings");
const { Pool } = require("pg");

const pool = new Pool();

exports.handler = async (event) => {
  const id = event.pathParameters.id;
  const res = await pool.query(sql`SELECT * FROM orders WHERE id = ${id}`);
  return res.rows;
};
