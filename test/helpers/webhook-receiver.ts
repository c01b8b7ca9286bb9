// A webhook receiver on 127.0.0.1 that can be taken down and brought back: while `failWith` is
// set it answers that status; `stop()` closes its port (connections refused) and `listen()`
// opens it again on the same port. It records every request and the notifications it accepted.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { AlertNotification } from "../../src/alerts/index.js";

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly port: number;
  /** Every request, in arrival order, with the status it was answered. */
  readonly requests: ReceivedRequest[];
  /** A status to answer with instead of 200; null accepts. */
  failWith: number | null;
  /** The notifications answered 200, in arrival order. */
  accepted(): AlertNotification[];
  listen(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a receiver on `port` (0: any free port). */
export async function startWebhookReceiver(port = 0): Promise<WebhookReceiver> {
  let server: Server | undefined;
  let boundPort = port;
  const receiver: WebhookReceiver = {
    get url() {
      return `http://127.0.0.1:${boundPort}/hooks/outbox`;
    },
    get port() {
      return boundPort;
    },
    requests: [],
    failWith: null,
    accepted: () => receiver.requests.filter((request) => request.status === 200).map((request) => JSON.parse(request.body) as AlertNotification),
    async listen() {
      const listening = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on("data", (chunk: Buffer) => chunks.push(chunk));
        request.on("end", () => {
          const status = receiver.failWith ?? 200;
          receiver.requests.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8"), status });
          response.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "nope");
        });
      });
      await new Promise<void>((resolve) => listening.listen(boundPort, "127.0.0.1", resolve));
      boundPort = (listening.address() as AddressInfo).port;
      server = listening;
    },
    async stop() {
      const closing = server;
      server = undefined;
      if (!closing) return;
      await new Promise<void>((resolve) => {
        closing.closeAllConnections();
        closing.close(() => resolve());
      });
    },
  };
  await receiver.listen();
  return receiver;
}
