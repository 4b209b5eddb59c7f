// A TLS listener (`tls` on a tcp listener): the worker that serves a
// connection does its handshake (ALPN http/1.1), with a self-signed
// certificate made here by openssl; a SIGHUP reload serves a renewed
// certificate (the application reads its files at load); a client that
// speaks no TLS costs only its connection; bad TLS options are refused
// before anything is bound.

import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type TLSSocket } from "node:tls";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { SupervisorError } from "../src/errors";
import { resolveOptions } from "../src/options";
import { startApp, stopAll } from "./helpers/run-app";

afterEach(stopAll);

const dir = mkdtempSync(join(tmpdir(), "moon-tls-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A self-signed certificate for 127.0.0.1, written to `name`.key and `name`.crt. */
function certificate(name: string, subject: string): { key: string; cert: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      `/CN=${subject}`,
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ],
    { stdio: "ignore" },
  );
  return { key, cert };
}

/** Over TLS (trusting `ca`), one command line; its answer, the certificate's subject and the ALPN protocol. */
function ask(port: number, ca: Buffer, command: string) {
  return new Promise<{ answer: string; subject: string; alpn: string | false }>(
    (resolve, reject) => {
      const socket: TLSSocket = connect({
        host: "127.0.0.1",
        port,
        ca,
        ALPNProtocols: ["h2", "http/1.1"],
      });
      let answer = "";
      let subject = "";
      socket.setEncoding("utf8").on("data", (chunk: string) => {
        answer += chunk;
      });
      socket.once("secureConnect", () => {
        // Read now: a closed socket has no peer certificate any more.
        subject = socket.getPeerX509Certificate()?.subject ?? "";
        socket.write(`${command}\n`);
      });
      socket.once("error", reject);
      socket.once("close", () =>
        resolve({ answer: answer.trim(), subject, alpn: socket.alpnProtocol ?? false }),
      );
    },
  );
}

describe("a TLS listener", () => {
  it("serves over TLS with ALPN http/1.1, and a reload serves the renewed certificate", async () => {
    const files = certificate("live", "first");
    const app = await startApp({
      listeners: [{ proto: "tcp", host: "127.0.0.1", port: 0, tlsFiles: files }],
      options: { minFork: 1, maxFork: 2 },
    });
    const first = readFileSync(files.cert);
    const answer = await ask(app.port, first, "PID");
    expect(answer.answer).toMatch(/^\d+$/);
    expect(answer.subject).toBe("CN=first");
    expect(answer.alpn).toBe("http/1.1");

    // Renewed in place, then SIGHUP: the new workers read the files again.
    const renewed = certificate("renewed", "second");
    execFileSync("cp", [renewed.key, files.key]);
    execFileSync("cp", [renewed.cert, files.cert]);
    const from = app.output().length;
    app.child.kill("SIGHUP");
    for (let i = 0; i < 400 && !/reload done/.test(app.output().slice(from)); i++)
      await new Promise((resolve) => setTimeout(resolve, 25));
    expect(app.output().slice(from)).toMatch(/reload done/);
    const second = await ask(app.port, readFileSync(files.cert), "PID");
    expect(second.subject).toBe("CN=second");
    expect(new X509Certificate(readFileSync(files.cert)).subject).toBe("CN=second");
  });

  it("costs a client that speaks no TLS only its connection", async () => {
    const files = certificate("plain", "plain");
    const app = await startApp({
      listeners: [{ proto: "tcp", host: "127.0.0.1", port: 0, tlsFiles: files }],
      options: { minFork: 1, maxFork: 1 },
    });
    const plain = await new Promise<string>((resolve) => {
      const socket = createConnection({ host: "127.0.0.1", port: app.port });
      let text = "";
      socket.on("data", (chunk) => {
        text += chunk.toString("latin1");
      });
      socket.on("error", () => resolve(text));
      socket.on("close", () => resolve(text));
      socket.write("PID in clear text, which is no TLS record\n");
    });
    expect(plain).not.toMatch(/^\d+$/); // no answer in clear text
    expect((await ask(app.port, readFileSync(files.cert), "PID")).answer).toMatch(/^\d+$/);
  });

  it("refuses TLS options node:tls refuses, before anything is bound", () => {
    const connect = () => true;
    const tcp = { proto: "tcp", host: "127.0.0.1", port: 0 };
    for (const tls of ["yes", { cert: "x" }, { key: "not a key", cert: "not a certificate" }]) {
      expect(() => resolveOptions({ listeners: [{ ...tcp, tls }], connect })).toThrow(
        SupervisorError,
      );
    }
    const files = certificate("options", "options");
    const tls = { key: readFileSync(files.key), cert: readFileSync(files.cert) };
    expect(() =>
      resolveOptions({ listeners: [{ ...tcp, tls, proxyProtocol: true }], connect }),
    ).toThrow(/proxyProtocol and tls together are not supported yet/);
    expect(resolveOptions({ listeners: [{ ...tcp, tls }], connect }).listeners[0]).toMatchObject({
      tls,
    });
  });
});
