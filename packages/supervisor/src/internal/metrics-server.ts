// The `metrics` option: the supervisor answers Prometheus' scrapes itself,
// on an address of its own (127.0.0.1 unless a host is given: a pool's
// figures are nobody else's business), without a worker's turn, so that
// a pool whose workers are all busy or dead is still seen. GET (or HEAD)
// /metrics gets metricsText(); any other path 404, any other method 405.

import { createServer, type Server } from "node:http";
import { METRICS_CONTENT_TYPE } from "./metrics-text";

export interface MetricsServer {
  /** The address it listens on (the real port, when port 0 was asked for). */
  host: string;
  port: number;
  close(): Promise<void>;
}

/** Listens on `host`:`port` and answers each scrape with `text()`. Rejects with the bind's error. */
export async function serveMetrics(
  host: string,
  port: number,
  text: () => string,
): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "").split("?")[0];
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain" });
      response.end("405 Method Not Allowed\n");
    } else if (path !== "/metrics") {
      response.writeHead(404, { "Content-Type": "text/plain" });
      response.end("404 Not Found: the metrics are at /metrics\n");
    } else {
      const body = text();
      response.writeHead(200, {
        "Content-Type": METRICS_CONTENT_TYPE,
        "Content-Length": Buffer.byteLength(body),
      });
      response.end(request.method === "HEAD" ? undefined : body);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    host,
    port: typeof address === "object" && address !== null ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
