const auth = {
  clientId: "my-app",
  clientSecret: "3m03nbqnsGpWLuqIA1id6Vw5",  // expect: javascript/hardcoded-credentials
};

let dbPassword;
dbPassword = "Xk9#mP2$vL";  // expect: javascript/hardcoded-credentials

function isAdmin(password) {
  return password === "Adm1n-P4ssw0rd";  // expect: javascript/hardcoded-credentials
}

module.exports = { auth, dbPassword, isAdmin };
