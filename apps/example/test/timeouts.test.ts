// Slow clients against each timeout, through the real supervisor: the app
// runs with short timeouts (its HTTP_*_TIMEOUT variables), and every worker
// that served a slow client is free again afterwards. Each slow client keeps
// going for longer than raw() waits (20 s), never stalling where it should
// not, so that only the timeout a test names can end it in time.

import { describe, expect, it } from "vitest";
import { startExample, useExample } from "./helpers/example";
import { raw, statuses } from "./helpers/raw";

const app = useExample({
  HTTP_IDLE_TIMEOUT: "0.5",
  HTTP_HEADER_TIMEOUT: "1",
  HTTP_STALL_TIMEOUT: "0.5",
  HTTP_RESPONSE_TIMEOUT: "1.5",
  HTTP_DRAIN_TIMEOUT: "0.5",
});

describe("slow clients", () => {
  it("idle: a connection that sends nothing is closed without a response", async () => {
    const result = await raw(app.port, []);
    expect(result).toEqual({ text: "", how: "end" });
  });

  it("request header: a header trickling in, a byte per 100 ms, gets 408", async () => {
    const trickle = [..."GET /anything HTTP/1.1\r\nHost: a\r\nX-Slow: ", ...Array(400).fill("0")];
    const result = await raw(app.port, trickle, { gapMillis: 100, stopOnAnswer: true });
    expect(statuses(result.text)).toEqual([408]);
    expect(result.how).toBe("end");
  });

  it("stall: a body that stops coming gets 408 (with no response timeout to end it)", async () => {
    const alone = await startExample({ HTTP_STALL_TIMEOUT: "0.5", HTTP_RESPONSE_TIMEOUT: "0" });
    try {
      const result = await raw(
        alone.port,
        "POST /anything HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\nsome of it",
      );
      expect(statuses(result.text)).toEqual([408]);
    } finally {
      await alone.stop();
    }
  });

  it("response: a body that trickles (never stalling) past the response timeout gets 408", async () => {
    const pieces = [
      "POST /anything HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n",
      ...Array(400).fill("x"),
    ];
    const result = await raw(app.port, pieces, { gapMillis: 100, stopOnAnswer: true });
    expect(statuses(result.text)).toEqual([408]);
  });

  it("drain: after an error the server reads what comes for a while, then closes", async () => {
    const flood = [
      "POST /anything HTTP/1.1\r\nHost: a\r\nContent-Length: 999999999999\r\n\r\n",
      ...Array(3000).fill(Buffer.alloc(8192)),
    ];
    // The client goes on sending after the server's FIN; the drain timeout ends the reading.
    const result = await raw(app.port, flood, { gapMillis: 10, halfOpen: true });
    expect(statuses(result.text)).toEqual([413]);
    expect(result.how).toBe("reset"); // its writes failed: not still open at raw()'s 20 s
  });

  it("the workers that met slow clients serve again", async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => fetch(`${app.url}/ping`)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(204));
  });
});
