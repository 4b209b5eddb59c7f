// systemd's notification protocol, against a fake notify socket: a Unix
// datagram socket made by perl (Node has none; perl is part of every Debian
// system) that writes each datagram it receives to standard output. The
// supervisor must say READY=1 once it serves, RELOADING=1 and READY=1 around
// a SIGHUP reload, STOPPING=1 on SIGTERM, keep NOTIFY_SOCKET from its
// workers, and serve on when the notices cannot be sent.

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startApp, stopAll } from "./helpers/run-app";

/** Why the test cannot run here, or undefined; under CI (which installs systemd) a missing tool fails. */
function missingTool(): string | undefined {
  for (const tool of ["systemd-notify", "perl"]) {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    } catch {
      const why = `${tool} not found: install it with \`apt-get install -y systemd\``;
      if (process.env.CI) throw new Error(why);
      console.warn(`skipping ${import.meta.filename}: ${why}`);
      return why;
    }
  }
  return undefined;
}

const RECEIVER = `
use Socket;
socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die "socket: $!";
bind($s, pack_sockaddr_un($ARGV[0])) or die "bind: $!";
$| = 1;
print "BOUND\\0";
while (defined(recv($s, my $message, 65536, 0))) { print "$message\\0"; }
`;

interface FakeManager {
  path: string;
  /** The notices received so far (systemd-notify's BARRIER=1 left out). */
  notices(): string[];
  /** Waits for a notice matching `pattern` among those from `from` on; returns its index. */
  waitFor(pattern: RegExp, from?: number): Promise<number>;
  child: ChildProcess;
}

const cleanups: Array<() => void> = [];
afterEach(async () => {
  await stopAll();
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function fakeManager(): Promise<FakeManager> {
  const dir = mkdtempSync(join(tmpdir(), "moon-notify-"));
  const path = join(dir, "notify.sock");
  const child = spawn("perl", ["-e", RECEIVER, path], { stdio: ["ignore", "pipe", "inherit"] });
  cleanups.push(() => {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });
  let received = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    received += chunk.toString();
  });
  const all = () => received.split("\0").slice(0, -1);
  const notices = () => all().filter((m) => m !== "BOUND" && m !== "BARRIER=1");
  const waitFor = async (pattern: RegExp, from = 0) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const index = notices().findIndex((notice, i) => i >= from && pattern.test(notice));
      if (index !== -1) return index;
      if (Date.now() > deadline)
        throw new Error(`no notice ${pattern}; got ${JSON.stringify(notices())}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  for (let i = 0; i < 400 && !all().includes("BOUND"); i++)
    await new Promise((resolve) => setTimeout(resolve, 25));
  expect(all()).toContain("BOUND");
  return { path, notices, waitFor, child };
}

const missing = missingTool();

describe.skipIf(missing !== undefined)("notices to the service manager (NOTIFY_SOCKET)", () => {
  it("READY=1 once serving, RELOADING=1 then READY=1 for SIGHUP, STOPPING=1 for SIGTERM; workers never see the socket", async () => {
    const manager = await fakeManager();
    const app = await startApp({
      options: { minFork: 1, maxFork: 1 },
      env: { NOTIFY_SOCKET: manager.path },
    });
    const ready = await manager.waitFor(/^READY=1\nSTATUS=listening on 127\.0\.0\.1:\d+$/);
    expect(manager.notices()[ready]).toBe(`READY=1\nSTATUS=listening on 127.0.0.1:${app.port}`);

    const worker = await app.ask("PID");
    const environment = readFileSync(`/proc/${worker}/environ`, "latin1").split("\0");
    expect(environment.filter((entry) => entry.startsWith("NOTIFY_SOCKET"))).toEqual([]);

    app.child.kill("SIGHUP");
    const reloading = await manager.waitFor(/^RELOADING=1\n/, ready + 1);
    expect(manager.notices()[reloading]).toMatch(
      /^RELOADING=1\nMONOTONIC_USEC=\d+\nSTATUS=reloading$/,
    );
    // READY=1 only once the reload is done: by then the worker is a new one.
    const reloaded = await manager.waitFor(/^READY=1\n/, reloading + 1);
    const after = await app.ask("PID");
    expect(after).not.toBe(worker);
    expect(app.output()).toMatch(/reload done/);

    expect(await app.stop("SIGTERM")).toBe(0);
    const stopping = await manager.waitFor(/^STOPPING=1\n/, reloaded + 1);
    expect(manager.notices()[stopping]).toBe("STOPPING=1\nSTATUS=stopping");
  });

  it("serves on, and says why once, when systemd-notify cannot be run", async () => {
    const manager = await fakeManager();
    // A PATH without systemd-notify (node is run by its full path).
    const app = await startApp({
      options: { minFork: 1, maxFork: 1 },
      env: { NOTIFY_SOCKET: manager.path, PATH: "/nonexistent" },
    });
    expect(await app.ask("PID")).toMatch(/^\d+$/);
    for (let i = 0; i < 200 && !/notify/.test(app.output()); i++)
      await new Promise((resolve) => setTimeout(resolve, 25));
    expect(app.output()).toMatch(
      /NOTIFY_SOCKET is set, but the service manager could not be told READY=1: systemd-notify was not found/,
    );
    app.child.kill("SIGHUP");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await app.ask("PID")).toMatch(/^\d+$/);
    expect(app.output().match(/could not be told/g)).toHaveLength(1);
    expect(manager.notices()).toEqual([]);
  });
});
