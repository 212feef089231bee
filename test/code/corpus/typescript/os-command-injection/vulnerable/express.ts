// @ts-nocheck — corpus for the code scanner: type-checked by nobody, parsed by the scanner
import * as cp from "node:child_process";
import express, { type Request, type Response } from "express";

const app = express();

app.get("/convert", (req: Request, res: Response) => {
  const file = String(req.query.file);
  cp.exec(`convert ${file} out.png`, () => res.end());  // expect: typescript/os-command-injection
});

export default app;
