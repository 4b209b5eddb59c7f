// Timers that run out kill the process, even one whose event loop is blocked.
// Each case runs test/fixtures/child.mjs (against the build) in a child
// process. Deadlines are checked only loosely: not before the deadline, and
// long before a generous bound; how late a kill lands is a benchmark matter.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const child = fileURLToPath(new URL("./fixtures/child.mjs", import.meta.url));

interface Outcome {
  signal: NodeJS.Signals | null;
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(mode: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const proc = spawn(process.execPath, [child, mode], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    proc.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const guard = setTimeout(() => proc.kill("SIGKILL"), 20_000);
    proc.on("error", reject);
    proc.on("close", (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
}

describe("a timer that runs out", () => {
  it("kills a busy-looping process after its deadline, saying which timer fired", async () => {
    const out = await run("busy");
    expect(out.signal).toBe("SIGKILL");
    expect(out.stderr).toMatch(/^moonbridge: timeout\(0\.5\) expired; killing process \d+\n$/);
    expect(out.ms).toBeGreaterThanOrEqual(500);
    expect(out.ms).toBeLessThan(5000);
  });

  it("lets a shorter sub-timer win over an outer timer", async () => {
    const out = await run("inner-wins");
    expect(out.signal).toBe("SIGKILL");
    expect(out.stderr).toContain("timeout(0.3, innerWork) expired");
    expect(out.ms).toBeLessThan(5000);
  });

  it("lets a shorter outer timer win over a longer sub-timer", async () => {
    const out = await run("outer-wins");
    expect(out.signal).toBe("SIGKILL");
    expect(out.stderr).toContain("timeout(0.3) expired");
    expect(out.ms).toBeLessThan(5000);
  });

  it("nests to any depth", async () => {
    const out = await run("nested-deep");
    expect(out.signal).toBe("SIGKILL");
    expect(out.stderr).toContain("timeout(0.3, deepest) expired");
  });

  it("limits an async function until it settles", async () => {
    const out = await run("async");
    expect(out.signal).toBe("SIGKILL");
    expect(out.stderr).toContain("timeout(0.3, slowAsync) expired");
  });
});

describe("a timer that is disarmed", () => {
  it.each(["reset", "disarm", "sub-timer-done"])("does not fire (%s)", async (mode) => {
    const out = await run(mode);
    expect(out.signal).toBeNull();
    expect(out.code).toBe(0);
    expect(out.stdout).toBe("survived\n");
    expect(out.stderr).toBe("");
  });
});
