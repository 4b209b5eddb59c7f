// The moonbridge command, run as users run it: help and usage errors, an app
// served with --pidfile, --logfile, --stats and --import, stopped by SIGTERM.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

/** The command's entry as package.json's bin names it (it runs the built dist/cli.js). */
const CLI = join(import.meta.dirname, "..", "bin", "moonbridge.js");
const FIXTURES = join(import.meta.dirname, "fixtures");
const started: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const child of started.splice(0)) {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {}
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "moon-cli-"));
  dirs.push(dir);
  return dir;
}

function run(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], {
    encoding: "utf8",
    cwd: FIXTURES,
    timeout: 30_000,
  });
}

function serve(args: string[]): {
  child: ChildProcess;
  port: Promise<number>;
  exited: Promise<number | null>;
  output: () => string;
} {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: FIXTURES,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  let output = "";
  const port = new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(/READY (.*)\n/);
      if (match) resolve(JSON.parse(match[1] as string)[0].port);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", () => reject(new Error(`exited before ready:\n${output}`)));
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  return { child, port, exited, output: () => output };
}

function ask(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let answer = "";
    socket.on("data", (chunk) => {
      answer += chunk.toString();
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(answer.trim()));
  });
}

describe("moonbridge command", () => {
  it.each([["--help"], ["-h"]])("%s prints the usage and exits 0", (flag) => {
    const result = run([flag]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Usage: moonbridge \[options\] app\.js/);
    expect(result.stdout).toMatch(/Exit codes/);
  });

  it.each([["--version"], ["-v"]])("%s prints the package's version and exits 0", (flag) => {
    const result = run([flag]);
    expect(result.status).toBe(0);
    const { version } = JSON.parse(
      readFileSync(join(import.meta.dirname, "..", "package.json"), "utf8"),
    );
    expect(result.stdout).toBe(`moonbridge ${version}\n`);
  });

  it("takes --option=value as well as --option value", () => {
    const dir = scratch();
    const result = run([`--pidfile=${join(dir, "x.pid")}`, "--logfile=", "app.mjs"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--logfile needs a value/);
  });

  it.each([
    {
      what: "an unknown option",
      args: ["--frobnicate", "app.mjs"],
      message: /unknown option --frobnicate/,
    },
    { what: "no app", args: ["--debug"], message: /no application module given/ },
    {
      what: "an option without its value",
      args: ["--pidfile"],
      message: /--pidfile needs a value/,
    },
    {
      what: "an unknown short option",
      args: ["-x", "app.mjs"],
      message: /unknown option -x/,
    },
    {
      what: "--min-fork -1",
      args: ["--min-fork", "-1", "app.mjs"],
      message: /--min-fork needs a value/,
    },
    {
      what: "--max-fork 0",
      args: ["--max-fork=0", "app.mjs"],
      message: /--max-fork needs a whole number >= 1, got "0"/,
    },
    {
      what: "--max-requests 1.5",
      args: ["--max-requests", "1.5", "app.mjs"],
      message: /--max-requests needs a whole number >= 0, got "1.5"/,
    },
    {
      what: "--max-requests-jitter without its value",
      args: ["--max-requests", "10", "--max-requests-jitter"],
      message: /--max-requests-jitter needs a value/,
    },
    {
      what: "--log-format xml",
      args: ["--log-format", "xml", "app.mjs"],
      message: /--log-format needs text or json, got "xml"/,
    },
    {
      what: "--min-fork two",
      args: ["--min-fork", "two", "app.mjs"],
      message: /--min-fork needs a whole number >= 0, got "two"/,
    },
    {
      what: "--stats 0",
      args: ["--stats", "0", "app.mjs"],
      message: /--stats needs a number of seconds > 0/,
    },
  ])("$what is a usage error: exit 2", ({ args, message }) => {
    const result = run(args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it("an app that fails to load: exit 1, saying why", () => {
    const result = run(["broken.mjs"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/cannot load broken\.mjs: Error: broken on purpose/);
  });

  it("serves the app with --import in every process, writes the pid file and the log file (with --stats and --debug lines), and stops on SIGTERM", async () => {
    const dir = scratch();
    const pidfile = join(dir, "app.pid");
    const logfile = join(dir, "app.log");
    const app = serve([
      "--pidfile",
      pidfile,
      `--logfile=${logfile}`, // the = form, as parseArgs reads it
      "--stats",
      "0.2",
      "--debug",
      "--import",
      "./preload.mjs",
      "app.mjs",
    ]);
    const port = await app.port;
    const [preloaded, pid] = (await ask(port)).split(" ");
    expect(preloaded).toBe("preloaded"); // the worker imported it too
    expect(pid).not.toBe(String(app.child.pid));
    expect(readFileSync(pidfile, "utf8").trim()).toBe(String(app.child.pid));
    for (
      let i = 0;
      i < 100 && !/"served":1/.test(existsSync(logfile) ? readFileSync(logfile, "utf8") : "");
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(readFileSync(logfile, "utf8")).toMatch(/moonbridge: pool 0: \{"workers":1.*"served":1/);
    expect(readFileSync(logfile, "utf8")).toMatch(/moonbridge: pool 0: forked worker \d+/); // --debug
    app.child.kill("SIGTERM");
    expect(await app.exited).toBe(0);
    expect(existsSync(pidfile)).toBe(false);
    expect(readFileSync(logfile, "utf8")).toMatch(/SIGTERM: stopping/);
  });

  it("--min-fork overrides the app's minFork (1 in the app): the pool keeps 3 workers", async () => {
    const dir = scratch();
    const logfile = join(dir, "app.log");
    const app = serve(["--min-fork", "3", "--stats", "0.2", `--logfile=${logfile}`, "app.mjs"]);
    await app.port;
    const three = /moonbridge: pool 0: \{"workers":3/;
    for (
      let i = 0;
      i < 200 && !three.test(existsSync(logfile) ? readFileSync(logfile, "utf8") : "");
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(readFileSync(logfile, "utf8")).toMatch(three);
    app.child.kill("SIGTERM");
    expect(await app.exited).toBe(0);
  });

  it("--max-requests replaces the app's one worker after each 2 connections", async () => {
    const app = serve(["--max-requests", "2", "--max-requests-jitter", "0", "app.mjs"]);
    const port = await app.port;
    const pids: string[] = [];
    for (let i = 0; i < 4; i++) pids.push((await ask(port)).split(" ")[1] as string);
    expect(pids[0]).toBe(pids[1]);
    expect(pids[2]).toBe(pids[3]);
    expect(pids[1]).not.toBe(pids[2]);
    app.child.kill("SIGTERM");
    expect(await app.exited).toBe(0);
  });

  it.runIf(existsSync("/proc/self/cmdline"))(
    "titles its processes: the supervisor names the app, a worker its number and state",
    async () => {
      const app = serve(["app.mjs"]);
      const port = await app.port;
      const worker = (await ask(port)).split(" ")[1] as string;
      const title = (pid: number | string) =>
        readFileSync(`/proc/${pid}/cmdline`, "latin1").replace(/\0+/g, " ").trim();
      expect(title(app.child.pid as number)).toBe("moonbridge: supervisor app.mjs");
      // Busy while it served; idle again at its next report (within 20 ms).
      let seen = title(worker);
      for (let i = 0; i < 100 && seen !== "moonbridge: worker 1 idle"; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        seen = title(worker);
      }
      expect(seen).toBe("moonbridge: worker 1 idle");
      app.child.kill("SIGTERM");
      expect(await app.exited).toBe(0);
    },
  );

  it("--log-format json: one JSON object a line, with an event name and its fields", async () => {
    const dir = scratch();
    const logfile = join(dir, "app.log");
    const app = serve([
      "--log-format",
      "json",
      "--debug",
      "--stats",
      "0.2",
      `--logfile=${logfile}`,
      "app.mjs",
    ]);
    await ask(await app.port);
    const lines = () =>
      (existsSync(logfile) ? readFileSync(logfile, "utf8") : "")
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    for (let i = 0; i < 100 && !lines().some((l) => l.event === "stats" && l.served === 1); i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    app.child.kill("SIGTERM");
    expect(await app.exited).toBe(0);
    const all = lines();
    for (const line of all) {
      expect(line).toMatchObject({ level: expect.any(String), event: expect.any(String) });
      expect(new Date(line.time as string).getTime()).toBeGreaterThan(0);
      expect(line.pid).toBe(app.child.pid);
    }
    expect(all.find((l) => l.event === "worker-forked")).toMatchObject({
      level: "debug",
      pool: 0,
      worker: expect.any(Number),
    });
    expect(all.find((l) => l.event === "stats" && l.served === 1)).toMatchObject({
      level: "info",
      pool: 0,
      workers: 1,
    });
    expect(all.find((l) => l.event === "signal")).toMatchObject({
      signal: "SIGTERM",
      action: "stop",
      message: "SIGTERM: stopping (busy workers finish their connection)",
    });
  });

  it("SIGINT (a terminal's Ctrl-C) stops cleanly too: exit 0", async () => {
    const app = serve(["app.mjs"]);
    await ask(await app.port);
    app.child.kill("SIGINT");
    expect(await app.exited).toBe(0);
    expect(app.output()).toMatch(/SIGINT: stopping/);
  });

  it("refuses to start when the pid file names a running process: exit 3", () => {
    const pidfile = join(scratch(), "app.pid");
    writeFileSync(pidfile, `${process.pid}\n`);
    const result = run(["--pidfile", pidfile, "app.mjs"]);
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/names running process/);
  });
});
