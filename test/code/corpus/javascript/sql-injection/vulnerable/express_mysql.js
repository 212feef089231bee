const express = require("express");
const mysql = require("mysql");

const app = express();
const db = mysql.createConnection({ host: "db.internal", user: "app", database: "shop" });

app.post("/login", (req, res) => {
  const email = req.body.email;
  db.query("SELECT * FROM users WHERE email = '" + email + "'", (err, rows) => {  // expect: javascript/sql-injection
    if (err) return res.status(500).end();
    res.json(rows);
  });
});

module.exports = app;
