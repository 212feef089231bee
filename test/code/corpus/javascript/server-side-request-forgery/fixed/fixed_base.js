const axios = require("axios");

exports.handler = async (event) => {
  const id = event.pathParameters.id;
  const user = await axios.get(`https://api.example.com/users/${encodeURIComponent(id)}`);
  const hook = await fetch("https://hooks.example.com/notify?user=" + id);
  return { user: user.data, hook: hook.status };
};
