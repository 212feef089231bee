import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback HTTP server serving fixed files, and a fetch that sends https://<host>/<path> to it
 * as /<host>/<path>: public-source code paths run without the internet.
 */
export async function serveFiles(
  files: Map<string, Buffer>,
): Promise<{ fetch: typeof fetch; close: () => void }> {
  const server = createServer((req, res) => {
    const body = files.get(req.url ?? "");
    res.writeHead(body ? 200 : 404);
    res.end(body ?? "");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const local: typeof fetch = (input, init) => {
    const u = new URL(String(input));
    return fetch(`${base}/${u.host}${u.pathname}`, init);
  };
  return { fetch: local, close: () => server.close() };
}
