const mysql = require("mysql");

const connection = mysql.createConnection({ host: "db.internal" });

function findUser(req, res) {
  const name = mysql.escape(req.query.name);
  connection.query("SELECT * FROM users WHERE name = " + name, (err, rows) => res.json(rows));
  connection.query("SELECT * FROM users WHERE id = " + connection.escape(req.query.id));
}

module.exports = findUser;
