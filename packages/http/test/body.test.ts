// The request body, each way the reference allows: whole, POST tables
// (urlencoded, multipart), field streams, body streams, discarding; their
// exclusions; automatic processing when the response starts; 100 Continue.

import { afterEach, describe, expect, it } from "vitest";
import type { HttpError, HttpOptions, Request } from "../src/index";
import { RawClient } from "./helpers/client";
import { multipart, post } from "./helpers/multipart";
import { startServer, stopServers } from "./helpers/server";

afterEach(stopServers);

/** Starts a server whose callback's returned value is sent back as JSON. */
async function jsonServer(compute: (request: Request) => Promise<unknown>, options?: HttpOptions) {
  return startServer(async (request) => {
    let value: unknown;
    try {
      value = await compute(request);
    } catch (error) {
      value = { error: (error as HttpError).code ?? String(error) };
    }
    request.sendStatus(200);
    request.sendHeader("Content-Type", "application/json");
    request.sendData(JSON.stringify(value));
    await request.finish();
    return true;
  }, options);
}

async function ask(port: number, bytes: Buffer | string): Promise<unknown> {
  const client = await RawClient.open(port);
  await client.send(bytes);
  const response = await client.response();
  client.close();
  return JSON.parse(response.body.toString());
}

const BOUNDARY = "----moon42";
const FORM = `multipart/form-data; boundary=${BOUNDARY}`;
const UPLOAD = multipart(BOUNDARY, [
  { name: "comment", data: "héllo" },
  { name: "files", fileName: "a.txt", type: "text/plain", data: "abc" },
  { name: "files", fileName: "empty.bin", type: "application/octet-stream", data: "" },
  { name: "files", fileName: "b.bin", data: Buffer.alloc(100_000, 7) },
]);

describe("request fields", () => {
  it("path, query, GET params, headers and cookies", async () => {
    const { port } = await jsonServer(async (r) => ({
      method: r.method,
      path: r.path,
      query: r.query,
      get: r.getParams,
      getList: r.getParamsList,
      value: r.headersValue["x-one"],
      twice: r.headersValue["x-two"],
      list: r.headers["X-TWO"],
      csv: r.headersCsvString["x-two"],
      table: r.headersCsvTable["x-two"],
      flag: r.headersFlags["x-two"]?.B,
      cookies: r.cookies,
      protocol: r.protocol,
    }));
    const answer = await ask(
      port,
      "GET /dir/file%20x?a=1&b=2&a=3&proto=__proto__ HTTP/1.1\r\nHost: a\r\nX-One: 1\r\nX-Two: a, b\r\nx-two: c\r\nCookie: sid=abc; theme=dark\r\n\r\n",
    );
    expect(answer).toEqual({
      method: "GET",
      path: "dir/file%20x",
      query: "?a=1&b=2&a=3&proto=__proto__",
      get: { a: "1", b: "2", proto: "__proto__" },
      getList: { a: ["1", "3"], b: ["2"], proto: ["__proto__"] },
      value: "1",
      twice: false,
      list: ["a, b", "c"],
      csv: "a, b, c",
      table: ["a", "b", "c"],
      flag: true,
      cookies: { sid: "abc", theme: "dark" },
      protocol: "HTTP/1.1",
    });
  });

  it("OPTIONS * has neither path nor query; absolute-form targets lose scheme and authority", async () => {
    const { port } = await jsonServer(async (r) => ({
      path: r.path ?? null,
      query: r.query ?? null,
    }));
    expect(await ask(port, "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n")).toEqual({
      path: null,
      query: null,
    });
    expect(await ask(port, "GET http://a/x/y?z=1 HTTP/1.1\r\nHost: a\r\n\r\n")).toEqual({
      path: "x/y",
      query: "?z=1",
    });
    expect(await ask(port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")).toEqual({ path: "", query: "" });
  });
});

describe("POST tables", () => {
  it("urlencoded: postParams and postParamsList; no metadata", async () => {
    const { port } = await jsonServer(async (r) => ({
      params: await r.postParams,
      list: await r.postParamsList,
      meta: (await r.postMetadata) ?? null,
    }));
    expect(
      await ask(port, post("/", "application/x-www-form-urlencoded", "a=1&b=J%C3%BCrgen+M&a=2")),
    ).toEqual({
      params: { a: "1", b: "Jürgen M" },
      list: { a: ["1", "2"], b: ["Jürgen M"] },
      meta: null,
    });
  });

  it("multipart: every part in the tables, with metadata", async () => {
    const { port } = await jsonServer(async (r) => {
      const list = await r.postParamsList;
      const meta = await r.postMetadataList;
      return {
        comment: (await r.postParams).comment,
        sizes: list.files?.map((value) => value.length),
        meta: meta?.files?.map((m) => [m.fieldName, m.fileName, m.contentType ?? null]),
        first: Object.entries((await r.postMetadata) ?? {}).map(([name, m]) => [
          name,
          m?.fileName ?? null,
          m?.contentType ?? null,
        ]),
      };
    });
    expect(await ask(port, post("/", FORM, UPLOAD))).toEqual({
      comment: "héllo",
      sizes: [3, 0, 100_000],
      meta: [
        ["files", "a.txt", "text/plain"],
        ["files", "empty.bin", "application/octet-stream"],
        ["files", "b.bin", null],
      ],
      first: [
        ["comment", null, null],
        ["files", "a.txt", "text/plain"],
      ],
    });
  });

  it("a non-form body leaves the tables empty", async () => {
    const { port } = await jsonServer(async (r) => ({
      params: await r.postParams,
      meta: (await r.postMetadata) ?? null,
    }));
    expect(await ask(port, post("/", "application/json", '{"a":1}'))).toEqual({
      params: {},
      meta: null,
    });
  });

  it("a malformed multipart body is the client's error (400)", async () => {
    const { port } = await startServer(async (r) => {
      await r.postParams;
      r.sendStatus(200);
      await r.finish();
      return true;
    });
    const client = await RawClient.open(port);
    await client.send(
      post("/", FORM, `--${BOUNDARY}\r\nNo-Disposition: x\r\n\r\ndata\r\n--${BOUNDARY}--\r\n`),
    );
    expect((await client.response()).status).toBe(400);
    client.close();
  });
});

describe("streams", () => {
  it("streamPostParam: (first chunk, metadata), (chunk)..., (); an empty file gets an empty chunk", async () => {
    const { port } = await jsonServer(async (r) => {
      const calls: Array<[string, number | null, string | null]> = [];
      r.streamPostParam("files", async (chunk, meta) => {
        await new Promise((resolve) => setTimeout(resolve, 1)); // a slow handler is awaited
        calls.push([
          meta === undefined ? "chunk" : "first",
          chunk === undefined ? null : chunk.length,
          meta?.fileName ?? null,
        ]);
      });
      const params = await r.postParams;
      return { calls: compress(calls), params };
    });
    const answer = (await ask(port, post("/", FORM, UPLOAD))) as {
      calls: unknown[];
      params: unknown;
    };
    expect(answer.params).toEqual({ comment: "héllo" });
    expect(answer.calls).toEqual([
      ["first", 3, "a.txt"],
      ["end"],
      ["first", 0, "empty.bin"],
      ["end"],
      ["first", "bytes", "b.bin"],
      ["chunks"],
      ["end"],
    ]);
  });

  it("streamPostParams matches names by pattern; registration after processing is refused", async () => {
    const { port } = await jsonServer(async (r) => {
      const seen: Record<string, number> = {};
      r.streamPostParams(/^com/, (chunk, meta) => {
        if (meta !== undefined) seen[meta.fieldName] = 0;
        if (chunk !== undefined) seen.comment = (seen.comment ?? 0) + chunk.length;
      });
      await r.processRequestBody();
      let late = "";
      try {
        r.streamPostParam("x", () => {});
      } catch (error) {
        late = (error as HttpError).code;
      }
      return { seen, late, files: (await r.postParamsList).files?.length };
    });
    expect(await ask(port, post("/", FORM, UPLOAD))).toEqual({
      seen: { comment: 6 },
      late: "BODY_PROCESSED",
      files: 3,
    });
  });

  it("streamRequestBody hands over every byte, awaiting the callback; without one it discards", async () => {
    const { port } = await jsonServer(async (r) => {
      let bytes = 0;
      let calls = 0;
      await r.streamRequestBody(async (chunk) => {
        calls++;
        bytes += chunk.length;
        await new Promise((resolve) => setImmediate(resolve));
      });
      await r.streamRequestBody(); // after the body was consumed: nothing to do
      return { bytes, calls: calls > 0 };
    });
    expect(
      await ask(port, post("/", "application/octet-stream", Buffer.alloc(300_000, 1))),
    ).toEqual({ bytes: 300_000, calls: true });
  });

  for (const [what, options] of [
    ["maximumInputChunkSize", { maximumInputChunkSize: 1000 }],
    ["chunkSize (the default of maximumInputChunkSize)", { chunkSize: 1000 }],
  ] as const) {
    it(`body and field stream chunks are at most ${what} bytes`, async () => {
      const { port } = await jsonServer(async (r) => {
        const sizes: number[] = [];
        if (r.path === "form") {
          r.streamPostParam("files", (chunk) => {
            if (chunk !== undefined && chunk.length > 0) sizes.push(chunk.length);
          });
          await r.processRequestBody();
        } else await r.streamRequestBody((chunk) => sizes.push(chunk.length));
        return { total: sizes.reduce((a, b) => a + b, 0), largest: Math.max(...sizes) };
      }, options);
      expect(
        await ask(port, post("/raw", "application/octet-stream", Buffer.alloc(300_000, 1))),
      ).toEqual({ total: 300_000, largest: 1000 });
      const form = (await ask(port, post("/form", FORM, UPLOAD))) as Record<string, number>;
      expect(form.total).toBe(100_003); // a.txt, empty.bin and b.bin
      expect(form.largest).toBeLessThanOrEqual(1000);
    });
  }

  it("streamRequestBody without a callback reads and drops an unread body; the next request follows", async () => {
    const server = await startServer(async (r) => {
      let after = "";
      if (r.method === "POST") {
        await r.streamRequestBody();
        try {
          await r.body;
        } catch (error) {
          after = (error as HttpError).code;
        }
      }
      r.sendStatus(200);
      r.sendData(`${r.method} ${after}`);
      await r.finish();
      return true;
    });
    const client = await RawClient.open(server.port);
    // The body looks like a request: were it not read, it would be answered as one.
    const body = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n".repeat(5000);
    await client.send(
      Buffer.concat([
        post("/", "application/octet-stream", body),
        Buffer.from("GET /next HTTP/1.1\r\nHost: a\r\n\r\n"),
      ]),
    );
    expect((await client.response()).body.toString()).toBe("POST BODY_CONSUMED");
    expect((await client.response()).body.toString()).toBe("GET ");
    client.close();
  });

  it("the ways exclude each other, whichever comes first", async () => {
    const { port } = await jsonServer(async (r) => {
      const ways: Record<string, () => Promise<unknown>> = {
        body: () => r.body,
        postParams: () => r.postParams,
        streamRequestBody: () => r.streamRequestBody(() => {}),
      };
      const first = r.path as string;
      await ways[first]?.();
      const codes: Record<string, string> = {};
      for (const [name, attempt] of Object.entries(ways)) {
        if (name === first) continue;
        try {
          await attempt();
          codes[name] = "allowed";
        } catch (error) {
          codes[name] = (error as HttpError).code;
        }
      }
      return codes;
    });
    const form = (path: string) => post(`/${path}`, "application/x-www-form-urlencoded", "a=1");
    expect(await ask(port, form("body"))).toEqual({
      postParams: "BODY_CONSUMED",
      streamRequestBody: "BODY_CONSUMED",
    });
    expect(await ask(port, form("postParams"))).toEqual({
      body: "BODY_CONSUMED",
      streamRequestBody: "BODY_CONSUMED",
    });
    expect(await ask(port, form("streamRequestBody"))).toEqual({
      body: "BODY_CONSUMED",
      postParams: "BODY_CONSUMED",
    });
  });

  it("the body and the tables can be read again", async () => {
    const { port } = await jsonServer(async (r) => {
      if (r.path === "tables") {
        return [await r.postParams, await r.postParamsList, await r.processRequestBody()];
      }
      return [(await r.body).toString(), (await r.body).toString()];
    });
    const form = (path: string) => post(`/${path}`, "application/x-www-form-urlencoded", "a=1");
    expect(await ask(port, form("body"))).toEqual(["a=1", "a=1"]);
    expect(await ask(port, form("tables"))).toEqual([{ a: "1" }, { a: ["1"] }, null]);
  });
});

describe("when the response starts", () => {
  it("the body is processed first unless reading was deferred; the next request is unaffected", async () => {
    const seen: unknown[] = [];
    const server = await startServer(async (r) => {
      if (r.path === "defer") r.deferReading();
      r.sendStatus(200);
      r.sendData("answered");
      await r.finish();
      seen.push(await r.postParams); // deferred: read now, after the response
      return true;
    });
    const client = await RawClient.open(server.port);
    await client.send(
      Buffer.concat([
        post("/auto", "application/x-www-form-urlencoded", "x=1"),
        post("/defer", "application/x-www-form-urlencoded", "y=2"),
        Buffer.from("GET /after HTTP/1.1\r\nHost: a\r\n\r\n"),
      ]),
    );
    for (let i = 0; i < 3; i++) expect((await client.response()).body.toString()).toBe("answered");
    client.close();
    await server.handled(1);
    expect(seen).toEqual([{ x: "1" }, { y: "2" }, {}]);
  });

  it("field streams run when the response starts, and only later when reading was deferred", async () => {
    const events: string[] = [];
    const server = await startServer(async (r) => {
      events.push(r.path as string);
      if (r.path === "defer") r.deferReading();
      r.streamPostParam("comment", (chunk, meta) => {
        events.push(meta !== undefined ? "first" : chunk === undefined ? "end" : "chunk");
      });
      r.sendStatus(200);
      await r.sendData("answered");
      await r.finish();
      events.push("finished");
      await r.processRequestBody(); // deferred: the body is read now
      events.push("processed");
      return true;
    });
    const client = await RawClient.open(server.port);
    await client.send(Buffer.concat([post("/auto", FORM, UPLOAD), post("/defer", FORM, UPLOAD)]));
    for (let i = 0; i < 2; i++) expect((await client.response()).body.toString()).toBe("answered");
    client.close();
    await server.handled(1);
    expect(events).toEqual([
      ...["auto", "first", "end", "finished", "processed"],
      ...["defer", "finished", "first", "end", "processed"],
    ]);
  });

  it("100 Continue is sent when the body is first read, and not for a request answered unread, whose connection then closes", async () => {
    const { port } = await startServer(async (r) => {
      if (r.path === "reject") {
        r.deferReading();
        r.sendStatus(417);
        await r.finish();
        return true;
      }
      const body = await r.body;
      r.sendStatus(200);
      r.sendData(body);
      await r.finish();
      return true;
    });
    const client = await RawClient.open(port);
    await client.send(
      "POST /read HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
    );
    const interim = await client.response({ interim: true });
    expect(interim.status).toBe(100);
    await client.send("hello");
    expect((await client.response()).body.toString()).toBe("hello");

    await client.send(
      "POST /reject HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
    );
    const rejected = await client.response({ interim: true });
    expect(rejected.status).toBe(417);
    // The client may never send a body it was not asked for: nothing can be read past it.
    expect(rejected.headers.connection).toEqual(["close"]);
    expect((await client.closed()).rest).toBe("");
  });

  it("trailers of a chunked body are readable once it has been read", async () => {
    const { port } = await jsonServer(async (r) => {
      const before = r.trailers ?? null;
      const body = (await r.body).toString();
      return { before, body, after: r.trailers };
    });
    expect(
      await ask(
        port,
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Sum: 42\r\n\r\n",
      ),
    ).toEqual({ before: null, body: "abc", after: ["X-Sum", "42"] });
  });
});

/** Collapses a run of middle chunks (their count depends on the chunking) into one "chunks" entry. */
function compress(calls: Array<[string, number | null, string | null]>): unknown[] {
  const out: unknown[] = [];
  for (const [kind, size, name] of calls) {
    if (kind === "first") out.push(["first", size !== null && size > 1000 ? "bytes" : size, name]);
    else if (size === null) out.push(["end"]);
    else if (JSON.stringify(out.at(-1)) !== '["chunks"]') out.push(["chunks"]);
  }
  return out;
}
