import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";

/** One request the receiver got, and what it answered. */
export interface Received {
  n: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
  status: number;
}

export interface ReceiverBehaviour {
  /** Answer the first N requests with `failStatus` (default 503). */
  failFirst?: number;
  failStatus?: number;
  /** Answer every request with this status (after failFirst). */
  status?: number;
  /** Hold each answer this long (ms): a slow or hanging receiver. */
  delayMs?: number;
  /** Body of successful answers. */
  reply?: (req: Received) => string;
}

/**
 * A real HTTP receiver on loopback for event deliveries: records every request and answers as the
 * test says (fail the first N, always fail, hang, reply with a body).
 */
export interface Receiver {
  url: string;
  requests: Received[];
  behave(b: ReceiverBehaviour): void;
  /** Resolves when `predicate` holds over the requests (checked on each arrival), or rejects after ms. */
  until(predicate: (r: Received[]) => boolean, ms?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(
  initial: ReceiverBehaviour = {},
  options: { tls?: { key: Buffer; cert: Buffer } } = {},
): Promise<Receiver> {
  let behaviour = initial;
  const requests: Received[] = [];
  const waiters: (() => void)[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const n = requests.length + 1;
      const failing = n <= (behaviour.failFirst ?? 0);
      const status = failing ? (behaviour.failStatus ?? 503) : (behaviour.status ?? 200);
      const r: Received = {
        n,
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        at: Date.now(),
        status,
      };
      requests.push(r);
      const answer = () => {
        if (res.destroyed) return;
        res.writeHead(status, { "content-type": "text/plain" });
        res.end(status < 300 ? (behaviour.reply?.(r) ?? "ok") : `failing on purpose (request ${n})`);
        for (const w of waiters.splice(0)) w();
      };
      // A held answer must not keep the test process alive after the test.
      if (behaviour.delayMs) setTimeout(answer, behaviour.delayMs).unref();
      else answer();
    });
  };
  const server: Server = options.tls ? createHttpsServer(options.tls, handler) : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    requests,
    behave(b) {
      behaviour = b;
    },
    until(predicate, ms = 30_000) {
      return new Promise((resolve, reject) => {
        const deadline = setTimeout(
          () =>
            reject(new Error(`receiver: condition not met within ${ms} ms (${requests.length} requests)`)),
          ms,
        );
        const check = () => {
          if (predicate(requests)) {
            clearTimeout(deadline);
            resolve();
          } else waiters.push(check);
        };
        check();
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
