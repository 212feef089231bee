const { Sequelize } = require("sequelize");

const sequelize = new Sequelize("postgres://app@db.internal/app");

function projectsWithStatus(status) {
  return sequelize.query("SELECT * FROM projects WHERE status = '" + status + "'");  // expect: javascript/sql-injection
}

exports.handler = async (event, context) => {
  const body = JSON.parse(event.body);
  return projectsWithStatus(body.status);
};
