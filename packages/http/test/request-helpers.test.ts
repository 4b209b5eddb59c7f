// The request helpers: json() and text() read the body with its content type
// checked (415) and its bytes checked (400), answered by the server when the
// callback does not catch them, the worker serving on; sendJson() and
// redirect() send whole responses.

import { afterEach, describe, expect, it } from "vitest";
import { HttpError, type Request } from "../src/index";
import { exchange, RawClient } from "./helpers/client";
import { startServer, stopServers } from "./helpers/server";

afterEach(stopServers);

/** A POST of `body` with these headers, as raw bytes. */
function post(body: string | Buffer, headers: Record<string, string> = {}): Buffer {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  const lines = Object.entries({ ...headers, "Content-Length": String(bytes.length) })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("");
  return Buffer.concat([Buffer.from(`POST /x HTTP/1.1\r\nHost: t\r\n${lines}\r\n`), bytes]);
}

describe("request.json()", () => {
  it("parses application/json and +json bodies (UTF-8, with or without its charset)", async () => {
    const seen: unknown[] = [];
    const server = await startServer(async (request) => {
      seen.push(await request.json());
      await request.sendJson({ ok: true });
      return true;
    });
    const value = { name: "Zoë", list: [1, 2.5, null], nested: { t: true } };
    for (const type of [
      "application/json",
      "application/json; charset=utf-8",
      "application/problem+json",
      'Application/JSON; Charset="UTF-8"',
    ]) {
      const response = await exchange(
        server.port,
        post(JSON.stringify(value), { "Content-Type": type }),
      );
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body.toString())).toEqual({ ok: true });
    }
    expect(seen).toEqual([value, value, value, value]);
  });

  it("answers 415 for another or a missing type, 400 for a body that is not JSON; the connection ends, the handler does not fail", async () => {
    const server = await startServer(async (request) => {
      await request.json();
      await request.sendJson("unreached");
      return true;
    });
    const cases: Array<[Buffer, number]> = [
      [post('{"a":1}', { "Content-Type": "text/plain" }), 415],
      [post('{"a":1}'), 415],
      [post('{"a":1}', { "Content-Type": "application/json; charset=latin1" }), 415],
      [post('{"a":', { "Content-Type": "application/json" }), 400],
      [post("", { "Content-Type": "application/json" }), 400],
      [post(Buffer.from([0x7b, 0xff, 0x7d]), { "Content-Type": "application/json" }), 400],
    ];
    for (const [request, status] of cases) {
      const response = await exchange(server.port, request);
      expect(response.status).toBe(status);
      expect(response.headers.connection).toEqual(["close"]);
    }
    // Each handler resolved (the client's fault is not the application's): none rejected.
    const results = await server.handled(cases.length);
    expect(results.every((result) => result === false || result === true)).toBe(true);
  });

  it("rejects with a coded HttpError that the callback may catch", async () => {
    const caught: unknown[] = [];
    const server = await startServer(async (request) => {
      try {
        await request.json();
      } catch (error) {
        caught.push(error);
        await request.sendJson({ error: (error as HttpError).code }, (error as HttpError).status);
        return true;
      }
      return true;
    });
    const response = await exchange(
      server.port,
      post("nope", { "Content-Type": "application/json" }),
    );
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body.toString())).toEqual({ error: "BODY_INVALID" });
    expect(caught[0]).toBeInstanceOf(HttpError);
    expect(caught[0]).toMatchObject({ code: "BODY_INVALID", status: 400 });
  });
});

describe("request.text()", () => {
  it("decodes by the charset named (UTF-8 without one) and refuses bytes that are not text in it", async () => {
    const server = await startServer(async (request) => {
      await request.sendJson({ text: await request.text() });
      return true;
    });
    const answer = async (body: Buffer, type?: string) => {
      const response = await exchange(
        server.port,
        post(body, type ? { "Content-Type": type } : {}),
      );
      return response.status === 200 ? JSON.parse(response.body.toString()).text : response.status;
    };
    expect(await answer(Buffer.from("héllo"))).toBe("héllo");
    expect(await answer(Buffer.from([0x68, 0xe9]), "text/plain; charset=iso-8859-1")).toBe("hé");
    expect(await answer(Buffer.from([0x68, 0xe9]))).toBe(400);
    expect(await answer(Buffer.from("x"), "text/plain; charset=klingon")).toBe(415);
  });
});

describe("request.sendJson()", () => {
  it("sends the status, JSON type, length and body; throws for a value with no JSON form", async () => {
    const thrown: unknown[] = [];
    const server = await startServer(async (request) => {
      try {
        await request.sendJson(undefined);
      } catch (error) {
        thrown.push(error);
      }
      await request.sendJson({ created: "ü" }, 201);
      return true;
    });
    const response = await exchange(server.port, "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    expect(response.status).toBe(201);
    expect(response.headers["content-type"]).toEqual(["application/json; charset=utf-8"]);
    expect(response.headers["content-length"]).toEqual([String(response.body.length)]);
    expect(JSON.parse(response.body.toString())).toEqual({ created: "ü" });
    expect(thrown[0]).toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});

describe("request.redirect()", () => {
  it("sends 302 (or the status given) with an encoded Location and a short body; keeps the connection", async () => {
    const server = await startServer(async (request: Request) => {
      if (request.path === "moved") await request.redirect("/new place/ü?q=a b&x=%41%", 301);
      else await request.redirect("https://example.com/");
      return true;
    });
    const client = await RawClient.open(server.port);
    try {
      await client.send("GET /moved HTTP/1.1\r\nHost: t\r\n\r\n");
      const moved = await client.response();
      expect(moved.status).toBe(301);
      expect(moved.headers.location).toEqual(["/new%20place/%C3%BC?q=a%20b&x=%41%25"]);
      expect(moved.body.toString()).toBe("Redirecting to /new%20place/%C3%BC?q=a%20b&x=%41%25\n");
      await client.send("HEAD /other HTTP/1.1\r\nHost: t\r\n\r\n");
      const found = await client.response({ head: true });
      expect(found.status).toBe(302);
      expect(found.headers.location).toEqual(["https://example.com/"]);
    } finally {
      client.close();
    }
  });

  it("refuses a status that is not a redirection, and an empty location", async () => {
    const thrown: unknown[] = [];
    const server = await startServer(async (request) => {
      for (const attempt of [
        () => request.redirect("/x", 200 as never),
        () => request.redirect("/x", 304 as never),
        () => request.redirect(""),
      ]) {
        try {
          await attempt();
        } catch (error) {
          thrown.push((error as HttpError).code);
        }
      }
      await request.redirect("/fine", 303);
      return true;
    });
    const response = await exchange(server.port, "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    expect(response.status).toBe(303);
    expect(thrown).toEqual(["INVALID_ARGUMENT", "INVALID_ARGUMENT", "INVALID_ARGUMENT"]);
  });
});
