// Debian's Chromium for the browser tests, driven by playwright-core: where
// it is, whether it is there (a test file skips without it, naming the install
// command, except under CI, where .ci/run installs it and its absence fails),
// and how it is launched (headless, and no network of its own: the machine's
// closed network refuses what Chromium would reach for at start).

import { type Browser, chromium } from "playwright-core";
import { debianToolMissing } from "./debian-tool";

export const CHROMIUM = "/usr/bin/chromium";

/**
 * Why Chromium cannot run here, or undefined when it can; `file` (the test
 * file's path) is named in the warning of a skip. Throws under CI.
 */
export function chromiumMissing(file: string): string | undefined {
  return debianToolMissing(CHROMIUM, "chromium", "the browser tests need", file);
}

/** Starts headless Chromium; close the browser after the tests. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-quic",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
    timeout: 45_000,
  });
}
