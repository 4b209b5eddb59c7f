// The log's two formats (src/internal/log.ts): text, as people read it, and
// JSON, one object a line, as log tools read it.

import { describe, expect, it } from "vitest";
import { logLine } from "../src/internal/log";

const TIME = new Date(Date.UTC(2026, 11, 7, 9, 5, 3, 250));

describe("a log line", () => {
  it("as text: moonbridge: and the message", () => {
    expect(logLine("error", "worker-failed", "worker 7 crashed", { worker: 7 }, TIME, false)).toBe(
      "moonbridge: worker 7 crashed",
    );
  });

  it("as JSON: time, level, event, pid, message and the fields, which cannot overwrite those", () => {
    const line = logLine(
      "error",
      "worker-failed",
      "worker 7 crashed",
      { worker: 7, reason: "crashed", event: "spoofed", pid: 1 },
      TIME,
      true,
    );
    expect(line.includes("\n")).toBe(false);
    expect(JSON.parse(line)).toEqual({
      time: "2026-12-07T09:05:03.250Z",
      level: "error",
      event: "worker-failed",
      pid: process.pid,
      message: "worker 7 crashed",
      worker: 7,
      reason: "crashed",
    });
  });
});
