// The WebSocket echo at /echo: a page whose script opens a WebSocket to
// /echo/socket, where ws (as the frame codec) runs over the connection that
// request.upgrade() hands over. The worker serves that one connection for as
// long as it is open, as Moonbridge serves one connection per process. The
// message "hang" arms a 1-second timeout() and blocks the event loop: the
// worker is killed and replaced, and only this WebSocket is lost.

import { timeout } from "moonbridge";
import { page, sendPage } from "./html.mjs";

/**
 * ws's server, made at the first WebSocket: loading ws costs a worker about
 * 40 ms, which every worker that never serves one (and every replacement of
 * a crashed one) is spared.
 * @type {Promise<import("ws").WebSocketServer> | undefined}
 */
let server;
function webSocketServer() {
  server ??= import("ws").then(
    ({ WebSocketServer }) => new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 }),
  );
  return server;
}

/** Seconds a WebSocket may stay silent before it is closed: it holds a worker meanwhile. */
const IDLE_SECONDS = 300;

/**
 * /echo/socket: the WebSocket; anything else under /echo: the page.
 * @param {import("moonbridge").Request} request
 */
export async function echo(request) {
  if (String(request.headersValue.upgrade).toLowerCase() === "websocket") {
    await serveSocket(request);
    return;
  }
  await sendPage(request, echoPage());
}

/**
 * @param {import("moonbridge").Request} request
 */
async function serveSocket(request) {
  const wss = await webSocketServer();
  const { socket, unread } = await (await request.upgrade()).detach();
  const incoming = {
    method: request.method,
    url: request.target,
    headers: Object.fromEntries(request.headersCsvString),
  };
  /** @type {import("ws").WebSocket} */
  const ws = await new Promise((resolve) =>
    wss.handleUpgrade(/** @type {never} */ (incoming), socket, unread, resolve),
  );
  const idle = setTimeout(() => ws.close(1001, "idle"), IDLE_SECONDS * 1000);
  ws.on("message", (data, isBinary) => {
    idle.refresh();
    if (!isBinary && data.toString() === "hang") {
      timeout(1); // this worker has a second; then it is killed, whatever it does
      for (;;) {} // a handler that never returns: only this connection is lost
    }
    ws.send(isBinary ? data : `${process.pid}: ${data}`, { binary: isBinary });
  });
  await new Promise((resolve) => ws.once("close", resolve));
  clearTimeout(idle);
}

function echoPage() {
  return page(
    "WebSocket echo",
    `<h1>WebSocket echo</h1>
<p class="lead">Each WebSocket is served by one worker process for as long as it is open. Send <code>hang</code> to block that worker: its <code>timeout()</code> kills it after a second, and only this WebSocket is lost.</p>
<form id="form"><input id="message" name="message" autocomplete="off" value="hello"> <button>Send</button></form>
<p id="state">connecting</p>
<ol id="log"></ol>
<script>
const log = document.getElementById("log");
const state = document.getElementById("state");
const socket = new WebSocket(location.origin.replace(/^http/, "ws") + "/echo/socket");
socket.addEventListener("open", () => { state.textContent = "open"; });
socket.addEventListener("close", (event) => { state.textContent = "closed (" + event.code + ")"; });
socket.addEventListener("message", (event) => {
  const item = document.createElement("li");
  item.textContent = event.data;
  log.append(item);
});
document.getElementById("form").addEventListener("submit", (event) => {
  event.preventDefault();
  socket.send(document.getElementById("message").value);
});
</script>`,
  );
}
