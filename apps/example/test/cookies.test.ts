// The cookies page through the real supervisor, with Node's fetch: a visit
// counter kept in a cookie, a name taken from the GET parameters and
// remembered in a cookie, every cookie the browser sent listed, HTML escaped.

import { describe, expect, it } from "vitest";
import { useExample } from "./helpers/example";

const app = useExample();

describe("/cookies", () => {
  it("counts visits in a cookie and greets by the name given as a GET parameter", async () => {
    const first = await fetch(`${app.url}/cookies?name=Ada%20L`);
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(first.headers.getSetCookie()).toEqual([
      "visits=1; Path=/; SameSite=Lax; HttpOnly",
      "name=Ada%20L; Path=/; SameSite=Lax",
    ]);
    const page = await first.text();
    expect(page).toContain("<h1>Hello, Ada L</h1>");
    expect(page).toContain('<strong id="visits">1</strong>');

    // The browser sends the cookies back: the count goes on, the name is remembered.
    const again = await fetch(`${app.url}/cookies`, {
      headers: { Cookie: "visits=1; name=Ada%20L; theme=dark" },
    });
    expect(again.headers.getSetCookie()).toEqual(["visits=2; Path=/; SameSite=Lax; HttpOnly"]);
    const second = await again.text();
    expect(second).toContain("<h1>Hello, Ada L</h1>");
    expect(second).toContain('<strong id="visits">2</strong>');
    expect(second).toContain("<tr><td>theme</td><td>dark</td></tr>");
  });

  it("escapes what the client sent, and starts over from a cookie that is not a number", async () => {
    const response = await fetch(`${app.url}/cookies?name=%3Cb%3Ex%3C%2Fb%3E`, {
      headers: { Cookie: "visits=lots; note=<i>" },
    });
    const page = await response.text();
    expect(page).toContain("<h1>Hello, &lt;b&gt;x&lt;/b&gt;</h1>");
    expect(page).toContain("<tr><td>note</td><td>&lt;i&gt;</td></tr>");
    expect(page).not.toContain("<b>x</b>");
    expect(response.headers.getSetCookie()[0]).toBe("visits=1; Path=/; SameSite=Lax; HttpOnly");
  });
});
