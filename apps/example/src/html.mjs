// The pages' shared parts: escaping, the layout, its stylesheet (served at
// /style.css with an ETag, so that browsers revalidate it with a 304), and
// sending a page.

import { createHash } from "node:crypto";
import { STATUS_CODES } from "node:http";

const STYLE = `
  :root { color-scheme: light dark; --accent: #3b6fd8; --line: #d0d4dc; --soft: #f3f5f9; }
  @media (prefers-color-scheme: dark) { :root { --line: #3a3f4b; --soft: #1d2129; } }
  * { box-sizing: border-box; }
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; }
  h1 { font-size: 1.6rem; margin-bottom: .2rem; }
  p.lead { margin-top: 0; opacity: .75; }
  nav a { margin-right: 1rem; }
  form { display: grid; gap: 1rem; padding: 1.25rem; border: 1px solid var(--line); border-radius: .75rem; background: var(--soft); }
  label { display: grid; gap: .35rem; font-weight: 600; }
  textarea, input[type=file], input[type=text] { font: inherit; font-weight: normal; padding: .5rem; border: 1px solid var(--line); border-radius: .5rem; background: Canvas; color: CanvasText; }
  textarea { min-height: 5rem; resize: vertical; }
  button { justify-self: start; font: inherit; font-weight: 600; padding: .55rem 1.4rem; border: 0; border-radius: .5rem; background: var(--accent); color: white; cursor: pointer; }
  table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
  th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); }
  th { background: var(--soft); }
  .size { text-align: right; font-variant-numeric: tabular-nums; }
  code { background: var(--soft); padding: .1rem .3rem; border-radius: .3rem; }
`;

const STYLE_TAG = `"${createHash("sha256").update(STYLE).digest("base64url").slice(0, 16)}"`;

/**
 * /style.css, or 304 Not Modified when the browser has this version.
 * @param {import("moonbridge").Request} request
 */
export async function sendStyle(request) {
  const known = request.headersCsvTable["if-none-match"] ?? [];
  const fresh = known.includes(STYLE_TAG) || known.includes("*");
  request.sendStatus(fresh ? 304 : 200);
  request.sendHeader("ETag", STYLE_TAG);
  request.sendHeader("Cache-Control", "no-cache");
  if (!fresh) {
    request.sendHeader("Content-Type", "text/css; charset=utf-8");
    request.sendData(STYLE);
  }
  await request.finish();
}

/**
 * Text made safe for HTML element content and attribute values.
 * @param {unknown} value
 */
export function escapeHtml(value) {
  return String(value)
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/**
 * A whole page around `body` (HTML, already escaped where needed).
 * @param {string} title
 * @param {string} body
 */
export function page(title, body) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<nav><a href="/">Home</a><a href="/upload">Upload</a><a href="/cookies">Cookies</a><a href="/api">API</a><a href="/echo">WebSocket</a><a href="/anything">Inspector</a></nav>
${body}
</body>
</html>
`;
}

/**
 * Sends `html` as the whole response.
 * @param {import("moonbridge").Request} request
 * @param {string} html
 * @param {number} [status]
 */
export async function sendPage(request, html, status = 200) {
  request.sendStatus(status);
  request.sendHeader("Content-Type", "text/html; charset=utf-8");
  request.sendData(html);
  await request.finish();
}

/**
 * The pages of the errors the server answers itself (the errorPage option):
 * asked once for each error status when the handler is made.
 * @param {number} status
 */
export function errorPage(status) {
  const reason = STATUS_CODES[status] ?? "Error";
  const [heading, text] =
    status === 500
      ? [
          "Something went wrong",
          "The application failed while it answered you. That worker process is being replaced; the others serve on.",
        ]
      : status === 503
        ? [
            "That took too long",
            "Your request ran past its time limit, so its worker process was stopped (and replaced). Try something quicker.",
          ]
        : status < 500
          ? [
              "That request could not be served",
              "The server could not take the request as it was sent.",
            ]
          : ["The server could not answer", "Something on our side failed."];
  return {
    type: "text/html; charset=utf-8",
    body: page(
      `${status} ${reason}`,
      `<h1 id="error">${escapeHtml(heading)}</h1>
<p class="lead">${status} ${escapeHtml(reason)}</p>
<p>${escapeHtml(text)}</p>
<p><a href="/">Back to the home page</a></p>`,
    ),
  };
}
