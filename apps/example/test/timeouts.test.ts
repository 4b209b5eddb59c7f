// Slow clients against each timeout, through the real supervisor: the app
// runs with short timeouts (its HTTP_*_TIMEOUT variables), and every worker
// that served a slow client is free again afterwards.

import { describe, expect, it } from "vitest";
import { useExample } from "./helpers/example";
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
    const trickle = [
      ..."GET /anything HTTP/1.1\r\nHost: a\r\nX-Slow: 0123456789012345678901234567890123456789\r\n",
    ];
    const result = await raw(app.port, trickle, { gapMillis: 100 });
    expect(statuses(result.text)).toEqual([408]);
    expect(result.how).toBe("end");
  });

  it("stall: a body that stops coming gets 408", async () => {
    const result = await raw(
      app.port,
      "POST /anything HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\nsome of it",
    );
    expect(statuses(result.text)).toEqual([408]);
  });

  it("response: a body that trickles (never stalling) past the response timeout gets 408", async () => {
    const pieces = [
      "POST /anything HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n",
      ...Array(40).fill("x"),
    ];
    const result = await raw(app.port, pieces, { gapMillis: 100 });
    expect(statuses(result.text)).toEqual([408]);
  });

  it("drain: after an error the server reads what comes for a while, then closes", async () => {
    const flood = [
      "POST /anything HTTP/1.1\r\nHost: a\r\nContent-Length: 999999999999\r\n\r\n",
      ...Array(200).fill(Buffer.alloc(8192)),
    ];
    const result = await raw(app.port, flood, { gapMillis: 10 });
    expect(statuses(result.text)).toEqual([413]);
    expect(result.how).not.toBe("open");
  });

  it("the workers that met slow clients serve again", async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => fetch(`${app.url}/ping`)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(204));
  });
});
