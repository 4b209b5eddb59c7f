// The example application: run it with `pnpm start` at the repository root
// (or `moonbridge src/app.mjs` here). It serves, on HOST:PORT (127.0.0.1:8080):
//   /           links to the rest, and the pool's live state (asked of the supervisor)
//   /anything   the request inspector (docs/inspector.md at the repository root)
//   /upload     a form that uploads files, streamed to UPLOAD_DIR, answered with a table
//               whose names link to /files/..., each file served back (sendFile)
//   /cookies    cookies and GET parameters
//   /api        a JSON API (notes in NOTES_FILE) and a page that uses it
//   /echo       a WebSocket echo (ws over request.upgrade()); "hang" gets its worker killed
//   /style.css  the stylesheet, with an ETag (304 when unchanged); /ping: 204
//   /slow?seconds=N   work for N seconds under a 2-second timeout(): past it,
//               the worker is killed and replaced
//   /throw, /exit-after   an exception (500), a callback returning false
// Errors the server answers itself (the exception's 500, the 503 of a worker
// killed by its timeout, a malformed request's 400, ...) get friendly pages
// (errorPage in html.mjs).
// and logs a heartbeat line from an interval listener. TRUST_PROXY (say
// "loopback", behind nginx on the same host) makes the client's address on
// the home page the one the proxy forwards; so does PROXY_PROTOCOL=1 behind
// a proxy that sends a PROXY protocol header (HAProxy's send-proxy);
// ACCESS_LOG=common (or json) logs each request.

import { http, listen, timeout } from "moonbridge";
import { api } from "./api.mjs";
import { config } from "./config.mjs";
import { cookies } from "./cookies.mjs";
import { errorPage, escapeHtml, page, sendPage, sendStyle } from "./html.mjs";
import { inspect } from "./inspector.mjs";
import { upload, uploadedFile } from "./upload.mjs";
import { echo } from "./websocket.mjs";

/**
 * The home page, with the client's address (behind a trusted proxy, the one
 * it forwards) and the pool's live state, which the supervisor gives.
 * @param {import("moonbridge").Request} request
 */
const home = async (request) =>
  page(
    "Moonbridge example",
    `<h1>Moonbridge example</h1>
<p class="lead">Served by worker process ${process.pid}, one request at a time.</p>
<p>Your address: <strong id="client">${escapeHtml(request.clientAddress ?? "unknown")}</strong>${request.secure ? " (over HTTPS)" : ""}</p>
<ul>
<li><a href="/upload">Upload files</a> (multipart, streamed)</li>
<li><a href="/cookies?name=friend">Cookies and GET parameters</a></li>
<li><a href="/api">A JSON API</a> (notes, shared by every worker)</li>
<li><a href="/echo">A WebSocket echo</a>, served by one worker for as long as it is open</li>
<li><a href="/anything?a=1&amp;b=2">The request inspector</a> (JSON)</li>
<li><a href="/slow?seconds=1">A second of work</a>, or <a href="/slow?seconds=5">five</a> (past the 2-second timeout: the worker is killed, you get a 503 page)</li>
<li><a href="/throw">An exception</a> (you get a 500 page; the worker is replaced)</li>
</ul>
${await poolState()}`,
  );

/** The pool's workers by state and its parked connections, as a table (or why not). */
async function poolState() {
  let stats;
  try {
    stats = await pool.stats(); // asked of the supervisor
  } catch (error) {
    return `<p id="pool-unavailable">The pool's state is unavailable: ${escapeHtml(error instanceof Error ? error.message : error)}</p>`;
  }
  const rows = [
    ["workers", "Workers", stats.workers],
    ["busy", "busy (this one among them)", stats.busy],
    ["idle", "idle", stats.idle],
    ["starting", "starting", stats.starting],
    ["parked", "Connections parked in the supervisor", stats.parked],
    ["waiting", "of them waiting for a worker", stats.waiting],
    ["requests", "Requests begun since the start", stats.requests],
    ["forks", "Workers started since the start", stats.forks],
  ];
  return `<h2>The pool now</h2>
<table id="pool"><tbody>
${rows.map(([id, label, value]) => `<tr><th>${label}</th><td class="size" id="pool-${id}">${value}</td></tr>`).join("\n")}
</tbody></table>`;
}

/**
 * @param {import("moonbridge").Request} request
 */
async function route(request) {
  const path = request.path ?? "";
  if (path === "anything" || path.startsWith("anything/")) await inspect(request);
  else if (path === "upload") await upload(request);
  else if (path.startsWith("files/")) await uploadedFile(request);
  else if (path === "api" || path.startsWith("api/")) await api(request);
  else if (path === "echo" || path.startsWith("echo/")) await echo(request);
  else if (path === "cookies") await cookies(request);
  else if (path === "") await sendPage(request, await home(request));
  else if (path === "style.css") await sendStyle(request);
  else if (path === "ping") {
    request.sendStatus(204); // a health check: no content
    await request.finish();
  } else if (path === "slow") {
    const seconds = Number(request.getParams.seconds ?? 1);
    timeout(2); // this request may take 2 seconds; then the process is killed, whatever it does
    const until = Date.now() + seconds * 1000;
    while (Date.now() < until) {} // busy: a blocked event loop is killed too
    await sendPage(request, page("Done", `<h1>Worked for ${seconds} seconds</h1>`));
  } else if (path === "throw") {
    throw new Error("an exception in a request callback (the client gets 500)");
  } else if (path === "exit-after") {
    await sendPage(request, page("Bye", "<h1>This worker exits after this connection</h1>"));
    return false;
  } else {
    await sendPage(request, page("Not found", "<h1>Not found</h1>"), 404);
  }
  return true;
}

const pool = listen({
  listeners: [
    {
      proto: "tcp",
      host: config.host,
      port: config.port,
      proxyProtocol: config.proxyProtocol,
      ...(config.tls !== undefined && { tls: config.tls }),
    },
    { proto: "interval", name: "heartbeat", delay: config.heartbeat },
  ],
  preFork: 1,
  minFork: Math.min(config.minFork, config.maxFork),
  maxFork: config.maxFork,
  connect(socket) {
    if (socket.interval === "heartbeat") {
      console.log(`heartbeat from worker ${process.pid} at ${new Date().toISOString()}`);
      return true;
    }
    return handler(socket);
  },
});

const handler = http.generateHandler(
  {
    staticHeaders: { Server: "moonbridge-example", "X-Content-Type-Options": "nosniff" },
    ...config.timeouts,
    trustProxy: config.trustProxy,
    errorPage,
    ...(config.accessLog !== undefined && { accessLog: config.accessLog }),
  },
  route,
);

if (pool.role === "supervisor") {
  const [address] = await pool.ready;
  const scheme = config.tls === undefined ? "http" : "https";
  if (address?.proto === "tcp")
    console.log(`listening on ${scheme}://${address.host}:${address.port}/`);
}
