// fetchHandler() with a Hono application, as a user would write one for
// Node's or another runtime's fetch: routing, JSON in and out, headers and
// cookies, a streamed upload read as it comes, a streamed response sent as
// it is made, HEAD, Hono's own error handling, and a fetch function that
// throws (an application error: 500, the handler rejects).

import { createHash, randomBytes } from "node:crypto";
import { connect } from "node:net";
import { Hono } from "hono";
import { stream } from "hono/streaming";
import { afterEach, describe, expect, it } from "vitest";
import { fetchHandler, HttpError } from "../src/index";
import { exchange } from "./helpers/client";
import { startServerWith, stopServers } from "./helpers/server";

afterEach(stopServers);

function app() {
  const hono = new Hono();
  hono.get("/hello/:name", (c) =>
    c.text(`hello ${c.req.param("name")} from ${new URL(c.req.url).host}`),
  );
  hono.post("/json", async (c) => {
    const body = await c.req.json<{ n: number }>();
    c.header("X-Seen", c.req.header("x-client") ?? "none");
    return c.json({ doubled: body.n * 2 }, 201);
  });
  hono.get("/cookies", (c) => {
    c.header("Set-Cookie", "a=1; Path=/", { append: true });
    c.header("Set-Cookie", "b=2; Path=/", { append: true });
    return c.body(null, 204);
  });
  hono.post("/upload", async (c) => {
    // Read as it comes: the hash of every chunk, and how many there were.
    const hash = createHash("sha256");
    let chunks = 0;
    let bytes = 0;
    const reader = (c.req.raw.body as ReadableStream<Uint8Array>).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks++;
      bytes += value.length;
      hash.update(value);
    }
    return c.json({ bytes, chunks, sha256: hash.digest("hex") });
  });
  hono.post("/ignore", (c) => c.text("not read"));
  hono.get("/stream", (c) =>
    stream(c, async (out) => {
      for (let i = 0; i < 5; i++) {
        await out.write(`part ${i}\n`);
        await out.sleep(10);
      }
    }),
  );
  hono.get("/boom", () => {
    throw new Error("route failed");
  });
  hono.onError((error, c) => c.json({ error: error.message }, 500));
  return hono;
}

describe("fetchHandler with Hono", () => {
  it("routes, with the Host in the URL; JSON in and out, headers both ways, several Set-Cookie", async () => {
    const server = await startServerWith(fetchHandler(app().fetch));
    const hello = await exchange(
      server.port,
      "GET /hello/ada HTTP/1.1\r\nHost: example.test\r\n\r\n",
    );
    expect(hello.status).toBe(200);
    expect(hello.body.toString()).toBe("hello ada from example.test");
    const body = JSON.stringify({ n: 21 });
    const json = await exchange(
      server.port,
      `POST /json HTTP/1.1\r\nHost: t\r\nX-Client: c1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    expect(json.status).toBe(201);
    expect(json.headers["x-seen"]).toEqual(["c1"]);
    expect(JSON.parse(json.body.toString())).toEqual({ doubled: 42 });
    expect(json.framing).toBe("length"); // a body made at once goes whole, with its length
    const cookies = await exchange(server.port, "GET /cookies HTTP/1.1\r\nHost: t\r\n\r\n");
    expect(cookies.status).toBe(204);
    expect(cookies.headers["set-cookie"]).toEqual(["a=1; Path=/", "b=2; Path=/"]);
    const missing = await exchange(server.port, "GET /nope HTTP/1.1\r\nHost: t\r\n\r\n");
    expect(missing.status).toBe(404);
  });

  it("streams an upload to the application as it reads it, byte for byte", async () => {
    const server = await startServerWith(fetchHandler(app().fetch));
    const data = randomBytes(3 * 1024 * 1024);
    const head = `POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: ${data.length}\r\n\r\n`;
    const response = await exchange(server.port, [
      head,
      data.subarray(0, 1000),
      data.subarray(1000),
    ]);
    const answer = JSON.parse(response.body.toString());
    expect(answer.bytes).toBe(data.length);
    expect(answer.sha256).toBe(createHash("sha256").update(data).digest("hex"));
    expect(answer.chunks).toBeGreaterThan(1);
    // Chunked too.
    const chunked = `POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n`;
    const second = JSON.parse((await exchange(server.port, chunked)).body.toString());
    expect(second.bytes).toBe(11);
  });

  it("drops a body the application does not read, and the connection serves on", async () => {
    const server = await startServerWith(fetchHandler(app().fetch));
    const socket = connect(server.port, "127.0.0.1");
    let text = "";
    socket.setEncoding("utf8").on("data", (chunk: string) => {
      text += chunk;
    });
    socket.write(`POST /ignore HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nabcde`);
    socket.write("GET /hello/again HTTP/1.1\r\nHost: t\r\n\r\n");
    for (let i = 0; i < 200 && !text.includes("hello again"); i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    socket.destroy();
    expect(text).toContain("not read");
    expect(text).toContain("hello again from t");
  });

  it("streams a response as the application makes it (chunked), and answers HEAD without a body", async () => {
    const server = await startServerWith(fetchHandler(app().fetch));
    const streamed = await exchange(server.port, "GET /stream HTTP/1.1\r\nHost: t\r\n\r\n");
    expect(streamed.framing).toBe("chunked");
    expect(streamed.body.toString()).toBe("part 0\npart 1\npart 2\npart 3\npart 4\n");
    const head = await exchange(server.port, "HEAD /hello/h HTTP/1.1\r\nHost: t\r\n\r\n");
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
  });

  it("sends the application's own error response; a fetch function that throws is a 500 and rejects", async () => {
    const hono = await startServerWith(fetchHandler(app().fetch));
    const handled = await exchange(hono.port, "GET /boom HTTP/1.1\r\nHost: t\r\n\r\n");
    expect(handled.status).toBe(500);
    expect(JSON.parse(handled.body.toString())).toEqual({ error: "route failed" });
    const failing = await startServerWith(
      fetchHandler(() => {
        throw new Error("no framework to catch it");
      }),
    );
    const response = await exchange(failing.port, "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    expect(response.status).toBe(500);
    const [result] = await failing.handled(1);
    expect((result as Error).message).toBe("no framework to catch it");
    expect(() => fetchHandler("nope" as never)).toThrow(HttpError);
  });
});
