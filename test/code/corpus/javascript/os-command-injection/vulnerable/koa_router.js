const Koa = require("koa");
const Router = require("@koa/router");
const { exec } = require("child_process");

const app = new Koa();
const router = new Router();

router.get("/grep", async (ctx) => {
  exec("grep " + ctx.query.pattern + " /var/log/app.log", () => {});  // expect: javascript/os-command-injection
  ctx.body = "ok";
});

app.use(router.routes());
