const fastify = require("fastify")();
const { Pool } = require("pg");

const pool = new Pool();

fastify.get("/orders", async (request, reply) => {
  const { status } = request.query;
  const sql = "SELECT * FROM orders WHERE status = '" + status + "'";
  const { rows } = await pool.query(sql);  // expect: javascript/sql-injection
  return rows;
});
