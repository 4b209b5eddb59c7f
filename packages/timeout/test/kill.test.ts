// Timers that run out kill the process, even one whose event loop is blocked.
// Each case runs test/fixtures/child.mjs (against the build) in a child
// process. Deadlines are checked only loosely: not before the deadline, and
// long before a generous bound; how late a kill lands is a benchmark matter.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Outcome, runChild } from "./helpers/run-child";

const run = (mode: string) => runChild("child.mjs", [mode]);

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

describe("the last words", () => {
  it("are written to their file before the kill, as they stand when the timer runs out", async () => {
    const dir = mkdtempSync(join(tmpdir(), "last-words-"));
    try {
      const file = join(dir, "words");
      const out = await runChild("child.mjs", ["last-words", file]);
      expect(out.signal).toBe("SIGKILL");
      const written = readFileSync(file);
      expect(written.length).toBe(16);
      expect(written.subarray(0, 12).toString()).toBe("latest words");
      expect([...written.subarray(12)]).toEqual([0, 0, 0, 0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the last reply", () => {
  /** Runs the fixture in `mode` with a connection to a server here; resolves with what the server read. */
  async function received(mode: string): Promise<{ out: Outcome; bytes: string }> {
    let bytes = "";
    let ended!: () => void;
    const closed = new Promise<void>((resolve) => {
      ended = resolve;
    });
    const server = createServer((socket) => {
      socket.setEncoding("latin1").on("data", (chunk: string) => {
        bytes += chunk;
      });
      socket.on("close", ended).on("error", () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const out = await runChild("child.mjs", [
        mode,
        String((server.address() as AddressInfo).port),
      ]);
      await closed;
      return { out, bytes };
    } finally {
      server.close();
    }
  }

  it("is written to its socket before the kill, the latest one set", async () => {
    const { out, bytes } = await received("last-reply");
    expect(out.signal).toBe("SIGKILL");
    expect(bytes).toMatch(/^the reply of \d+$/);
  });

  it.each(["last-reply-withdrawn", "last-reply-reset"])(
    "is not written once withdrawn (%s)",
    async (mode) => {
      const { out, bytes } = await received(mode);
      expect(out.signal).toBe("SIGKILL");
      expect(bytes).toBe("");
    },
  );
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
