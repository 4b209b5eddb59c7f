// The home page shows the client's address: the peer's, or, with TRUST_PROXY
// naming the proxy in front (here: loopback, as nginx on the same host), the
// one it forwards in X-Forwarded-For; a header from an untrusted peer is
// never believed. With ACCESS_LOG=common each request is logged.

import { describe, expect, it } from "vitest";
import { startExample } from "./helpers/example";

const FORWARDED = { "X-Forwarded-For": "198.51.100.7, 203.0.113.9", "X-Forwarded-Proto": "https" };

/** The address the home page shows, and whether it says HTTPS. */
async function shown(url: string, headers: Record<string, string> = {}) {
  const page = await (await fetch(`${url}/`, { headers })).text();
  return {
    client: /<strong id="client">([^<]*)<\/strong>/.exec(page)?.[1],
    https: page.includes("(over HTTPS)"),
  };
}

describe("the client's address on the home page", () => {
  it("is the peer's by default, whatever the headers say", async () => {
    const app = await startExample();
    try {
      expect(await shown(app.url)).toEqual({ client: "127.0.0.1", https: false });
      expect(await shown(app.url, FORWARDED)).toEqual({ client: "127.0.0.1", https: false });
    } finally {
      await app.stop();
    }
  });

  it("is the forwarded one behind a trusted proxy, and ACCESS_LOG logs it", async () => {
    const app = await startExample({ TRUST_PROXY: "loopback", ACCESS_LOG: "common" });
    try {
      expect(await shown(app.url, FORWARDED)).toEqual({ client: "203.0.113.9", https: true });
      await app.waitFor(/^203\.0\.113\.9 - - \[[^\]]+\] "GET \/ HTTP\/1\.1" 200 \d+$/m);
    } finally {
      await app.stop();
    }
  });
});
