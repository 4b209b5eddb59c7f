// How the fault tests end: each gathers the problems it found (each a
// sentence with counts) and a report of what it observed, then asserts that
// there is no problem, with the report as the failure message. With
// FAULTS_REPORT=1 in the environment the report is printed for passing tests
// too (to see the margins: probes answered, resets, CPU shares).

import { expect } from "vitest";

export function verdict(problems: readonly string[], report: string): void {
  if (process.env.FAULTS_REPORT === "1") {
    const name = expect.getState().currentTestName ?? "";
    console.log(`${name}\n${report}\nproblems: ${JSON.stringify(problems, null, 2)}`);
  }
  expect(problems, report).toEqual([]);
}
