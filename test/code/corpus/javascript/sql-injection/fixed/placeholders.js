const express = require("express");
const mysql = require("mysql");
const knex = require("knex")({ client: "pg" });

const app = express();
const db = mysql.createConnection({ host: "db.internal" });

app.post("/login", async (req, res) => {
  db.query("SELECT * FROM users WHERE email = ?", [req.body.email], (err, rows) => res.json(rows));
  const rows = await knex.raw("select * from users where name = ?", [req.body.name]);
  const more = await knex("users").where({ name: req.body.name });
  res.json({ rows, more });
});
