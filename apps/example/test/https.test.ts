// HTTPS: the example with TLS_CERT_FILE and TLS_KEY_FILE (a self-signed
// certificate for 127.0.0.1 made here by openssl) serves over TLS, its
// workers doing the handshakes: curl (where installed) and Node's https
// client trusting that certificate get the pages, ALPN gives http/1.1, a
// kept-alive connection serves several requests, the home page says HTTPS,
// and a SIGHUP reload serves a renewed certificate.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, get } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { afterAll, describe, expect, it } from "vitest";
import { startExample } from "./helpers/example";

const dir = mkdtempSync(join(tmpdir(), "moonbridge-https-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A self-signed certificate for 127.0.0.1 with this common name, written over cert.pem and key.pem. */
function certificate(name: string): void {
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
      ...["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "1"],
      ...["-subj", `/CN=${name}`, "-addext", "subjectAltName=IP:127.0.0.1"],
    ],
    { stdio: "ignore" },
  );
}

function hasCurl(): boolean {
  try {
    execFileSync("curl", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** GET over the agent's kept-alive connections: status, body and the certificate's subject. */
function fetchOver(agent: Agent, url: string) {
  return new Promise<{ status: number; body: string; subject: string; reused: boolean }>(
    (resolve, reject) => {
      const request = get(url, { agent }, (response) => {
        // Read now: at the end the socket goes back to the agent.
        const socket = response.socket as import("node:tls").TLSSocket;
        const subject = socket.getPeerX509Certificate()?.subject ?? "";
        let body = "";
        response.setEncoding("utf8").on("data", (chunk: string) => {
          body += chunk;
        });
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            body,
            subject,
            reused: request.reusedSocket,
          }),
        );
      });
      request.on("error", reject);
    },
  );
}

describe("the example over HTTPS", () => {
  it("serves pages over TLS to Node's client and curl, keeps connections alive, and reloads its certificate on SIGHUP", async () => {
    certificate("first");
    const app = await startExample({
      TLS_CERT_FILE: join(dir, "cert.pem"),
      TLS_KEY_FILE: join(dir, "key.pem"),
      MIN_FORK: "2",
      MAX_FORK: "2",
    });
    try {
      expect(app.url).toBe(`https://127.0.0.1:${app.port}`);
      const agent = new Agent({ keepAlive: true, ca: readFileSync(join(dir, "cert.pem")) });
      const home = await fetchOver(agent, `${app.url}/`);
      expect(home.status).toBe(200);
      expect(home.subject).toBe("CN=first");
      expect(home.body).toContain("(over HTTPS)");
      const again = await fetchOver(agent, `${app.url}/anything?x=1`);
      expect(again.status).toBe(200);
      expect(again.reused).toBe(true); // the same TLS connection, kept alive in its worker
      agent.destroy();

      const alpn = await new Promise<string | false>((resolve, reject) => {
        const socket = connect({
          host: "127.0.0.1",
          port: app.port,
          ca: readFileSync(join(dir, "cert.pem")),
          ALPNProtocols: ["h2", "http/1.1"],
        });
        socket.once("secureConnect", () => {
          resolve(socket.alpnProtocol ?? false);
          socket.destroy();
        });
        socket.once("error", reject);
      });
      expect(alpn).toBe("http/1.1");

      if (hasCurl()) {
        const out = execFileSync("curl", [
          "-sS",
          "--cacert",
          join(dir, "cert.pem"),
          "-o",
          "/dev/null",
          "-w",
          "%{http_code} %{http_version}",
          `${app.url}/ping`,
        ]).toString();
        expect(out).toBe("204 1.1");
      }

      certificate("renewed");
      const from = app.output().length;
      app.child.kill("SIGHUP");
      await app.waitFor(/reload done/, from);
      const fresh = new Agent({ keepAlive: false, ca: readFileSync(join(dir, "cert.pem")) });
      expect((await fetchOver(fresh, `${app.url}/`)).subject).toBe("CN=renewed");
    } finally {
      await app.stop();
    }
  });
});
