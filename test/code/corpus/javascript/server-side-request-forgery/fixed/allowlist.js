const ALLOWED_HOSTS = new Set(["api.github.com", "api.stripe.com"]);

module.exports = async function status(req, res) {
  const host = req.query.host;
  if (!ALLOWED_HOSTS.has(host)) {
    return res.sendStatus(400);
  }
  const r = await fetch(`https://${host}/status`);
  res.json(await r.json());
};
