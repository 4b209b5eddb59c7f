// Where the kill line goes: to stderr, or appended to the file named by
// MOONBRIDGE_LOGFILE (what `moonbridge --logfile` sets, inherited by workers),
// timestamped as the supervisor's own log lines are there. Each case runs
// test/fixtures/child.mjs (against the build) in a child process that is
// killed with its event loop blocked, so the watchdog thread writes the line.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runChild } from "./helpers/run-child";

const EARLIER = "2024-01-01T00:00:00.000Z moonbridge: an earlier line\n";
const ON_STDERR = /^moonbridge: timeout\(0\.5\) expired; killing process \d+\n$/;
const IN_FILE = new RegExp(
  `^${EARLIER}\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z moonbridge: timeout\\(0\\.5\\) expired; killing process \\d+\\n$`,
);

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "moonbridge-timeout-log-"));
  file = join(dir, "moonbridge.log");
  writeFileSync(file, EARLIER);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** What MOONBRIDGE_LOGFILE is set to, from the case's log file and directory. */
type Setting = (paths: { file: string; dir: string }) => string | undefined;

const cases: { what: string; mode: string; logfile: Setting; to: "stderr" | "file" }[] = [
  { what: "unset", mode: "busy", logfile: () => undefined, to: "stderr" },
  { what: "empty", mode: "busy", logfile: () => "", to: "stderr" },
  { what: "a file", mode: "busy", logfile: (p) => p.file, to: "file" },
  {
    what: "a file, set after the watchdog started",
    mode: "logfile-set-late",
    logfile: () => undefined,
    to: "file",
  },
  { what: "a path that cannot be opened", mode: "busy", logfile: (p) => p.dir, to: "stderr" },
];

describe("the kill line with MOONBRIDGE_LOGFILE", () => {
  it.each(cases)("goes to $to when the variable is $what", async ({ mode, logfile, to }) => {
    const out = await runChild("child.mjs", [mode, file], {
      MOONBRIDGE_LOGFILE: logfile({ file, dir }),
    });
    expect(out.signal).toBe("SIGKILL");
    if (to === "file") {
      expect(out.stderr).toBe("");
      expect(readFileSync(file, "utf8")).toMatch(IN_FILE);
    } else {
      expect(out.stderr).toMatch(ON_STDERR);
      expect(readFileSync(file, "utf8")).toBe(EARLIER);
    }
  });
});

describe("the kill line with MOONBRIDGE_LOG_FORMAT=json", () => {
  it("is one JSON object, on stderr and in the file alike", async () => {
    for (const into of ["stderr", "file"] as const) {
      writeFileSync(file, "");
      const out = await runChild("child.mjs", ["busy", file], {
        MOONBRIDGE_LOG_FORMAT: "json",
        MOONBRIDGE_LOGFILE: into === "file" ? file : undefined,
      });
      expect(out.signal).toBe("SIGKILL");
      const text = into === "file" ? readFileSync(file, "utf8") : out.stderr;
      expect(text.endsWith("}\n")).toBe(true);
      const line = JSON.parse(text);
      expect(line).toMatchObject({
        level: "error",
        event: "timeout-kill",
        timer: "timeout(0.5)",
        message: expect.stringMatching(/^timeout\(0\.5\) expired; killing process \d+$/),
      });
      expect(line.pid).toBeGreaterThan(0);
      expect(new Date(line.time).getTime()).toBeGreaterThan(0);
    }
  });
});
