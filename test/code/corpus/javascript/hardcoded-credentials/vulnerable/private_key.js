// expect-next-line: javascript/hardcoded-credentials
const privateKey = `-----BEGIN PRIVATE KEY-----
UvImZaYMEtKJGF2VDuiBNgkWb2sRPReNbA/TkB/yOaGglfIPk5VlDPk4C47bIkpr
JIoekk6P0K4uGpSSozBfGIy2EJAPnjR/rohtxlB3lex0XEw/yy6yxz4Uk0yGfuBX
unJJm/oSHoNrKsFXJu59awr2qxPDjpLK4NFQV7FZmH+UzHQR1xfxRXmyqhAPu7NP
-----END PRIVATE KEY-----`;

module.exports = { privateKey };
