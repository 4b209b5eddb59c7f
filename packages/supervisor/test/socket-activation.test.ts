// systemd's socket activation: listening sockets passed as descriptors 3,
// 4, ... with LISTEN_FDS and LISTEN_PID are taken instead of binding, and
// the variables go, so that no worker takes them again.

import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { SupervisorError } from "../src/errors";
import { inheritedSockets } from "../src/internal/socket-activation";
import { APP, talk } from "./helpers/run-app";

const children: Array<import("node:child_process").ChildProcess> = [];
afterEach(() => {
  for (const child of children.splice(0)) {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL"); // workers included
    } catch {
      // Gone already.
    }
  }
});

describe("inheritedSockets", () => {
  it("gives descriptors 3.. when LISTEN_PID is this process, and removes the variables either way", () => {
    const env: NodeJS.ProcessEnv = { LISTEN_FDS: "2", LISTEN_PID: "4242", LISTEN_FDNAMES: "a:b" };
    expect(inheritedSockets(env, 4242)).toEqual([3, 4]);
    expect(env).toEqual({});
    const other: NodeJS.ProcessEnv = { LISTEN_FDS: "1", LISTEN_PID: "1" };
    expect(inheritedSockets(other, 4242)).toEqual([]);
    expect(other).toEqual({});
    expect(inheritedSockets({}, 4242)).toEqual([]);
    expect(() => inheritedSockets({ LISTEN_FDS: "x", LISTEN_PID: "7" }, 7)).toThrow(
      SupervisorError,
    );
  });
});

describe("a pool started with a socket passed at descriptor 3", () => {
  it.runIf(existsSync("/proc/self/environ"))(
    "serves on it, at its address, and its workers see no LISTEN_ variables",
    async () => {
      // The "service manager": a socket bound and listening here, handed over as descriptor 3.
      const manager = createServer();
      await new Promise<void>((resolve) => manager.listen(0, "127.0.0.1", resolve));
      const { port } = manager.address() as AddressInfo;
      const fd = (manager as unknown as { _handle: { fd: number } })._handle.fd;
      const config = {
        listeners: [{ proto: "tcp", host: "127.0.0.1", port: 0 }],
        options: { minFork: 1, maxFork: 1 },
      };
      // The shell's $$ is the pid node keeps when the shell execs it: LISTEN_PID names it.
      const child = spawn("sh", ["-c", 'LISTEN_PID=$$ exec "$0" "$@"', process.execPath, APP], {
        env: { ...process.env, LISTEN_FDS: "1", MOONBRIDGE_TEST_CONFIG: JSON.stringify(config) },
        stdio: ["ignore", "pipe", "pipe", fd],
        detached: true,
      });
      children.push(child);
      // The manager's own descriptor goes: the socket lives on in the child.
      manager.close();
      let output = "";
      child.stdout?.on("data", (chunk) => {
        output += chunk;
      });
      child.stderr?.on("data", (chunk) => {
        output += chunk;
      });
      for (let i = 0; i < 200 && !/READY/.test(output); i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      const ready = /READY (.*)/.exec(output);
      expect(ready, output).not.toBeNull();
      expect(JSON.parse(ready?.[1] ?? "[]")).toEqual([{ proto: "tcp", host: "127.0.0.1", port }]);
      const worker = (await talk(port, "PID")).trim();
      expect(worker).toMatch(/^\d+$/);
      const environment = readFileSync(`/proc/${worker}/environ`, "latin1").split("\0");
      expect(environment.filter((entry) => entry.startsWith("LISTEN_"))).toEqual([]);
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    },
  );
});
