// listen()'s options: checked before anything is bound, each bad value named.

import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { listen, SupervisorError } from "../src/index";
import { resolveOptions } from "../src/options";

const connect = () => true;
const tcp = { proto: "tcp", host: "127.0.0.1", port: 0 } as const;

describe("listen options", () => {
  it("fills in Moonbridge's defaults", () => {
    const options = resolveOptions({ listeners: [tcp], connect });
    expect(options).toMatchObject({
      preFork: 1,
      minFork: Math.max(2, availableParallelism()),
      maxFork: Math.max(16, availableParallelism()),
      forkDelay: 0.25,
      forkErrorDelay: 2,
      exitDelay: 60,
      idleTimeout: 0,
      memoryLimit: undefined,
      maxRequests: 0,
      maxRequestsJitter: 0,
      shutdownTimeout: 30,
      keepYoungGeneration: true,
    });
    expect(
      resolveOptions({ listeners: [tcp], connect, keepYoungGeneration: false }).keepYoungGeneration,
    ).toBe(false);
    // maxParked: below this process's open-files limit, with room for listeners and pipes.
    const limits = readFileSync("/proc/self/limits", "latin1");
    const soft = Number(/^Max open files\s+(\d+)/m.exec(limits)?.[1]);
    expect(options.maxParked).toBeLessThan(soft);
    expect(options.maxParked).toBeGreaterThanOrEqual(soft - 1024);
    expect(resolveOptions({ listeners: [tcp], connect, maxParked: 0 }).maxParked).toBe(0);
    expect(resolveOptions({ listeners: [tcp], connect, preFork: 5 })).toMatchObject({
      minFork: Math.max(5, availableParallelism()),
      maxFork: Math.max(16, availableParallelism()),
    });
    expect(resolveOptions({ listeners: [tcp], connect, minFork: 20 })).toMatchObject({
      maxFork: 20,
    });
    expect(resolveOptions({ listeners: [tcp], connect, forkDelay: 3 }).forkErrorDelay).toBe(3);
  });

  const bad: Array<{ what: string; options: Record<string, unknown>; names: RegExp }> = [
    {
      what: "no options",
      options: undefined as unknown as Record<string, unknown>,
      names: /options/,
    },
    { what: "no listeners", options: { listeners: [], connect }, names: /listeners/ },
    { what: "no connect", options: { listeners: [tcp] }, names: /connect/ },
    {
      what: "a prepare that is not a function",
      options: { listeners: [tcp], connect, prepare: 1 },
      names: /prepare/,
    },
    {
      what: "an unknown proto",
      options: { listeners: [{ proto: "udp", port: 1 }], connect },
      names: /listeners\[0\]\.proto/,
    },
    {
      what: "a port out of range",
      options: { listeners: [{ proto: "tcp", port: 70000 }], connect },
      names: /listeners\[0\]\.port/,
    },
    {
      what: "an empty host",
      options: { listeners: [{ proto: "tcp", host: "", port: 1 }], connect },
      names: /host/,
    },
    {
      what: "a local listener without a path",
      options: { listeners: [{ proto: "local" }], connect },
      names: /path/,
    },
    {
      what: "an interval without delay",
      options: { listeners: [{ proto: "interval", name: "x" }], connect },
      names: /delay/,
    },
    {
      what: "an interval with strict not boolean",
      options: { listeners: [{ proto: "interval", name: "x", delay: 1, strict: "yes" }], connect },
      names: /strict/,
    },
    {
      what: "a negative preFork",
      options: { listeners: [tcp], connect, preFork: -1 },
      names: /preFork/,
    },
    {
      what: "a fractional maxFork",
      options: { listeners: [tcp], connect, maxFork: 2.5 },
      names: /maxFork/,
    },
    {
      what: "maxFork 0",
      options: { listeners: [tcp], connect, maxFork: 0, minFork: 0, preFork: 0 },
      names: /maxFork/,
    },
    {
      what: "minFork above maxFork",
      options: { listeners: [tcp], connect, minFork: 5, maxFork: 4 },
      names: /minFork/,
    },
    {
      what: "preFork above maxFork",
      options: { listeners: [tcp], connect, preFork: 5, maxFork: 4, minFork: 1 },
      names: /preFork/,
    },
    {
      what: "a NaN forkDelay",
      options: { listeners: [tcp], connect, forkDelay: Number.NaN },
      names: /forkDelay/,
    },
    {
      what: "a negative idleTimeout",
      options: { listeners: [tcp], connect, idleTimeout: -1 },
      names: /idleTimeout/,
    },
    {
      what: "a negative maxParked",
      options: { listeners: [tcp], connect, maxParked: -1 },
      names: /maxParked/,
    },
    {
      what: "a fractional maxParked",
      options: { listeners: [tcp], connect, maxParked: 1.5 },
      names: /maxParked/,
    },
    {
      what: "a keepYoungGeneration that is not a boolean",
      options: { listeners: [tcp], connect, keepYoungGeneration: "yes" },
      names: /keepYoungGeneration/,
    },
    {
      what: "a tiny memoryLimit",
      options: { listeners: [tcp], connect, memoryLimit: 1000 },
      names: /memoryLimit/,
    },
    {
      what: "a negative maxRequests",
      options: { listeners: [tcp], connect, maxRequests: -1 },
      names: /maxRequests must be an integer >= 0/,
    },
    {
      what: "a fractional maxRequestsJitter",
      options: { listeners: [tcp], connect, maxRequests: 100, maxRequestsJitter: 2.5 },
      names: /maxRequestsJitter must be an integer >= 0/,
    },
    {
      what: "gunicorn's max_requests (snake_case)",
      options: { listeners: [tcp], connect, max_requests: 100 },
      names: /unknown option "max_requests"; did you mean maxRequests\?/,
    },
    {
      what: "Moonbridge's min_fork (snake_case)",
      options: { listeners: [tcp], connect, min_fork: 4 },
      names: /unknown option "min_fork"; did you mean minFork\?/,
    },
    {
      what: "Moonbridge's max-fork (kebab-case), and other cases",
      options: { listeners: [tcp], connect, "max-fork": 4, MaxFork: 4 },
      names: /unknown option "max-fork"; did you mean maxFork\?$/,
    },
    {
      what: "a near miss",
      options: { listeners: [tcp], connect, shutdownTimout: 4 },
      names: /unknown option "shutdownTimout"; did you mean shutdownTimeout\?$/,
    },
    {
      what: "an unknown option",
      options: { listeners: [tcp], connect, workers: 4 },
      names:
        /unknown option "workers"; known options: listeners, preFork, minFork, maxFork, forkDelay, .*, finish$/,
    },
    {
      what: "an unknown key of a listener",
      options: { listeners: [{ ...tcp, backlog: 10 }], connect },
      names:
        /listeners\[0\]: unknown option "backlog"; known options: proto, host, port, proxyProtocol, tls$/,
    },
    {
      what: "a proxyProtocol that is not a boolean",
      options: { listeners: [{ ...tcp, proxyProtocol: "yes" }], connect },
      names: /listeners\[0\]\.proxyProtocol must be a boolean, got "yes"$/,
    },
    {
      what: "a proxyProtocol on an interval listener",
      options: {
        listeners: [{ proto: "interval", name: "tick", delay: 1, proxyProtocol: true }],
        connect,
      },
      names: /listeners\[0\]: unknown option "proxyProtocol"/,
    },
    {
      what: "a snake_case key of an interval listener",
      options: {
        listeners: [{ proto: "interval", name: "tick", delay: 1, strict_: true }],
        connect,
      },
      names: /listeners\[0\]: unknown option "strict_"; did you mean strict\?$/,
    },
  ];
  it.each([
    [{ minFork: -1 }, "minFork must be an integer >= 0, got -1"],
    [{ forkDelay: "1s" }, 'forkDelay must be a finite number of seconds >= 0, got "1s"'],
    [{ keepYoungGeneration: 1 }, "keepYoungGeneration must be a boolean, got 1"],
    [{ prepare: {} }, "prepare must be a function, got an object"],
    [{ listeners: [] }, "listeners must be an array of at least one listener, got none"],
    [
      { listeners: [{ proto: "tcp", port: "80" }] },
      'listeners[0].port must be an integer from 0 to 65535, got "80"',
    ],
    [
      { listeners: [{ proto: "udp", port: 1 }] },
      'listeners[0].proto must be "tcp", "local", "interval" or "main", got "udp"',
    ],
  ])("%o: the message says what the option takes and what it got", (options, message) => {
    expect(() => listen({ listeners: [tcp], connect, ...options } as never)).toThrow(
      `@moonbridge/supervisor: listen(): ${message}`,
    );
  });

  it.each(bad)(
    "$what is an INVALID_OPTION naming it, before anything is bound",
    ({ options, names }) => {
      let thrown: unknown;
      try {
        listen(options as never);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(SupervisorError);
      expect((thrown as SupervisorError).code).toBe("INVALID_OPTION");
      expect((thrown as SupervisorError).message).toMatch(/^@moonbridge\/supervisor: listen\(\): /);
      expect((thrown as SupervisorError).message).toMatch(names);
    },
  );
});
