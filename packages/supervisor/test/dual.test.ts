// The package loaded twice in one app (import and require): pools are
// numbered per process, so each pool's workers serve that pool, and the
// signal handlers are installed once (one SIGTERM stops every pool, exit 0).
// And a SupervisorError of either copy is the other's, checked on both copies
// of the build loaded in this process (no pool started: bad options throw
// before anything is bound), with the checks of @moonbridge/test-kit.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describeErrorAcrossCopies, loadBuild } from "@moonbridge/test-kit";
import { afterEach, describe, expect, it } from "vitest";
import type * as Package from "../src/index";
import { talk } from "./helpers/run-app";

const FIXTURE = join(import.meta.dirname, "fixtures", "dual.mjs");
let child: ReturnType<typeof spawn> | undefined;
afterEach(() => {
  if (child?.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGKILL");
});

describe("the package loaded through import and require", () => {
  it("serves each pool with its own workers, and one SIGTERM stops both", async () => {
    const started = spawn(process.execPath, [FIXTURE], {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    child = started;
    let out = "";
    started.stdout?.on("data", (chunk) => {
      out += chunk.toString();
    });
    started.stderr?.on("data", (chunk) => {
      out += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => started.on("exit", resolve));
    const deadline = Date.now() + 20_000;
    while (!/READY/.test(out)) {
      if (Date.now() > deadline || started.exitCode !== null) throw new Error(`no READY:\n${out}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const [esmPort, cjsPort] = JSON.parse(
      (out.match(/READY (.*)\n/) as RegExpMatchArray)[1] as string,
    );
    for (let i = 0; i < 3; i++) {
      expect(await talk(esmPort)).toBe("esm");
      expect(await talk(cjsPort)).toBe("cjs");
    }
    started.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(out).not.toMatch(/again: exiting now/);
  });
});

const copies = await loadBuild<typeof Package>(new URL("../dist/", import.meta.url));

describeErrorAcrossCopies(copies, "SupervisorError", {
  cases: [
    {
      what: "a bad option's INVALID_OPTION",
      input: (copy) =>
        copy.listen({
          listeners: [{ proto: "tcp", port: 0 }],
          connect: () => true,
          min_fork: 2,
        } as never),
      expected: { code: "INVALID_OPTION" },
    },
  ],
  lookalikes: [Object.assign(new Error("x"), { code: "BIND_FAILED" }), { code: "INVALID_OPTION" }],
  code: "BIND_FAILED",
});
