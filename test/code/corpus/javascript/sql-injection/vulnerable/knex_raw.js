const knex = require("knex")({ client: "pg" });

async function search(req, res) {
  const { name, age } = req.query;
  const a = await knex.raw("select * from users where name = '" + name + "'");  // expect: javascript/sql-injection
  const b = await knex("users").whereRaw(`age > ${age}`);  // expect: javascript/sql-injection
  res.json({ a, b });
}

module.exports = { search };
