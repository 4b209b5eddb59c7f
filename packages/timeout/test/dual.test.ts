// The dual package hazard: an app that loads the package through import
// (dist/index.js) and through require (dist/index.cjs) has two copies of it.
// They must share one timer state and one watchdog, or a timer armed through
// one copy outlives the other's resetTimeouts() and kills an idle worker.
// Each case runs test/fixtures/dual.mjs (against the build) in a child process.
import { describe, expect, it } from "vitest";
import { runChild } from "./helpers/run-child";

const directions = [
  { arm: "esm", other: "cjs" },
  { arm: "cjs", other: "esm" },
];

describe("the package loaded through import and require", () => {
  it.each(directions)("lets $other reset a timer armed through $arm", async ({ arm, other }) => {
    const out = await runChild("dual.mjs", ["reset-by-other", arm, other]);
    expect(out.stderr).toBe("");
    expect(out.signal).toBeNull();
    expect(out.code).toBe(0);
    expect(out.stdout).toBe("survived\n");
  });

  it.each(directions)("still kills when nobody resets ($arm armed)", async ({ arm, other }) => {
    const out = await runChild("dual.mjs", ["not-reset", arm, other]);
    expect(out.signal).toBe("SIGKILL");
    expect(out.stdout).toBe("");
    expect(out.stderr).toMatch(/^moonbridge: timeout\(1\) expired; killing process \d+\n$/);
  });

  it.each(directions)("shows $other the timers armed through $arm", async ({ arm, other }) => {
    const out = await runChild("dual.mjs", ["read-by-other", arm, other]);
    expect(out.stderr).toBe("");
    const seen = JSON.parse(out.stdout) as Record<string, number>;
    expect(seen.base).toBeGreaterThan(59);
    expect(seen.base).toBeLessThanOrEqual(60);
    expect(seen.sub).toBeGreaterThan(29);
    expect(seen.sub).toBeLessThanOrEqual(30);
    expect(seen.afterSub).toBeGreaterThan(59);
    expect(seen.disarmed).toBe(0);
  });
});
