// The JSON API at /api: notes, kept as JSON lines in NOTES_FILE (a file, so
// that every worker sees the same notes: workers share no memory). GET
// /api/notes lists them, POST /api/notes adds one from a JSON body
// (request.json(): a body that is not JSON gets a coded error, as JSON);
// /api is a page whose script uses both.

import { appendFile, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { page, sendPage } from "./html.mjs";

const NOTES_FILE = process.env.NOTES_FILE || join(tmpdir(), "moonbridge-example-notes.jsonl");

/** The longest note, in characters. */
const MAX_NOTE = 500;

/** Every note so far, oldest first. */
async function notes() {
  let text = "";
  try {
    text = await readFile(NOTES_FILE, "utf8");
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code !== "ENOENT") throw error;
  }
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line));
}

/**
 * @param {import("moonbridge").Request} request
 */
export async function api(request) {
  const path = request.path ?? "";
  if (path === "api") {
    await sendPage(request, apiPage());
    return;
  }
  if (path !== "api/notes") {
    await request.sendJson({ error: "NOT_FOUND" }, 404);
    return;
  }
  if (request.method === "GET" || request.method === "HEAD") {
    await request.sendJson({ notes: await notes() });
    return;
  }
  if (request.method !== "POST") {
    request.sendStatus(405);
    request.sendHeader("Allow", "GET, HEAD, POST");
    await request.finish();
    return;
  }
  /** @type {unknown} */
  let body;
  try {
    body = await request.json();
  } catch (error) {
    const { code, status } = /** @type {import("moonbridge").HttpError} */ (error);
    if (status === undefined) throw error; // not the client's fault
    await request.sendJson({ error: code }, status);
    return;
  }
  const text = /** @type {{ text?: unknown }} */ (body)?.text;
  if (typeof text !== "string" || text.trim() === "" || text.length > MAX_NOTE) {
    await request.sendJson(
      { error: "INVALID_NOTE", message: `text: 1 to ${MAX_NOTE} characters` },
      422,
    );
    return;
  }
  const note = { text, at: new Date().toISOString(), worker: process.pid };
  // One short append each: O_APPEND keeps the lines of concurrent workers whole.
  await appendFile(NOTES_FILE, `${JSON.stringify(note)}\n`);
  await request.sendJson(note, 201);
}

function apiPage() {
  return page(
    "JSON API",
    `<h1>JSON API</h1>
<p class="lead"><code>GET /api/notes</code> lists the notes; <code>POST /api/notes</code> with <code>{"text": "..."}</code> adds one (a body that is not JSON: 400 or 415 with a coded error).</p>
<form id="note"><input id="text" name="text" autocomplete="off" placeholder="A note"> <button>Add</button></form>
<p id="status"></p>
<ul id="notes"></ul>
<script>
const list = document.getElementById("notes");
const status = document.getElementById("status");
async function refresh() {
  const { notes } = await (await fetch("/api/notes")).json();
  list.replaceChildren(...notes.map((note) => {
    const item = document.createElement("li");
    item.textContent = note.text + " (worker " + note.worker + ")";
    return item;
  }));
}
document.getElementById("note").addEventListener("submit", async (event) => {
  event.preventDefault();
  const response = await fetch("/api/notes", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ text: document.getElementById("text").value }),
  });
  status.textContent = response.status + " " + JSON.stringify(await response.json());
  await refresh();
});
refresh();
</script>`,
  );
}
