// The default pool size follows the machine: a worker per CPU (at least 2),
// at most max(that, 16). Here the machine is made to have 1, 8 and 64 CPUs.

import { describe, expect, it, vi } from "vitest";

const cpus = vi.hoisted(() => ({ count: 8 }));
vi.mock("node:os", async (original) => ({
  ...(await original<typeof import("node:os")>()),
  availableParallelism: () => cpus.count,
}));

const { resolveOptions } = await import("../src/options");
const base = {
  listeners: [{ proto: "tcp", host: "127.0.0.1", port: 0 }] as const,
  connect: () => true,
};

describe("the default pool size", () => {
  it.each([
    [1, 2, 16],
    [8, 8, 16],
    [64, 64, 64],
  ])("on %i CPUs: minFork %i, maxFork %i", (count, minFork, maxFork) => {
    cpus.count = count;
    expect(resolveOptions({ ...base, listeners: [...base.listeners] })).toMatchObject({
      preFork: 1,
      minFork,
      maxFork,
    });
  });

  it("never exceeds a maxFork given, nor goes below preFork", () => {
    cpus.count = 64;
    expect(resolveOptions({ ...base, listeners: [...base.listeners], maxFork: 4 })).toMatchObject({
      minFork: 4,
      maxFork: 4,
    });
    expect(resolveOptions({ ...base, listeners: [...base.listeners], maxFork: 1 })).toMatchObject({
      minFork: 1,
    });
    cpus.count = 2;
    expect(resolveOptions({ ...base, listeners: [...base.listeners], preFork: 3 })).toMatchObject({
      minFork: 3,
    });
  });

  it("gives way to the options given", () => {
    cpus.count = 8;
    const options = resolveOptions({
      ...base,
      listeners: [...base.listeners],
      minFork: 3,
      maxFork: 4,
    });
    expect(options).toMatchObject({ minFork: 3, maxFork: 4 });
  });
});
