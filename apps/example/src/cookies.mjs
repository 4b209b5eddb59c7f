// A page with cookies and GET parameters: counts the visitor's visits in a
// cookie and remembers a name given as ?name=...

import { escapeHtml, page } from "./html.mjs";

/**
 * @param {import("moonbridge").Request} request
 */
export async function cookies(request) {
  const visits = (Number.parseInt(request.cookies.visits ?? "0", 10) || 0) + 1;
  const name = request.getParams.name ?? request.cookies.name ?? "";
  const rows = Object.entries(request.cookies)
    .map(([key, value]) => `<tr><td>${escapeHtml(key)}</td><td>${escapeHtml(value)}</td></tr>`)
    .join("\n");
  request.sendStatus(200);
  request.sendHeader("Content-Type", "text/html; charset=utf-8");
  request.sendHeader("Set-Cookie", `visits=${visits}; Path=/; SameSite=Lax; HttpOnly`);
  if (request.getParams.name !== undefined) {
    request.sendHeader("Set-Cookie", `name=${encodeURIComponent(name)}; Path=/; SameSite=Lax`);
  }
  request.sendData(
    page(
      "Cookies",
      `<h1>${name === "" ? "Hello" : `Hello, ${escapeHtml(decodeURIComponentSafe(name))}`}</h1>
<p class="lead">This is visit <strong id="visits">${visits}</strong> from this browser.</p>
<form method="get" action="/cookies">
  <label>Your name <input type="text" name="name" value="${escapeHtml(decodeURIComponentSafe(name))}"></label>
  <button type="submit">Remember me</button>
</form>
<h2>Cookies the browser sent</h2>
<table><thead><tr><th>Name</th><th>Value</th></tr></thead><tbody>${rows}</tbody></table>`,
    ),
  );
  await request.finish();
}

/** @param {string} text */
function decodeURIComponentSafe(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
