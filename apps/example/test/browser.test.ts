// The upload page in a real browser: Debian's Chromium (headless, driven by
// playwright-core) fills the form with a comment and two files, submits it and
// reads the result table; the JSON API page adds a note; the WebSocket
// echo page echoes a message; the home page shows the pool's state; and the
// links to an exception and to a request past its timeout get the 500 and
// 503 pages. Screenshots of both pages go to a temporary folder,
// or, with UPDATE_SCREENSHOTS=1, over the committed ones in docs/.

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumMissing, launchChromium } from "./helpers/chromium";
import { type Example, startExample, stopAll } from "./helpers/example";

const DOCS = join(import.meta.dirname, "..", "docs");
const UPDATE_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === "1";

const missing = chromiumMissing(import.meta.filename);

// A comment with characters that must be escaped and a non-ASCII one.
const COMMENT = 'Holiday <photos> & "notes" – café';

// Two files with distinct names: a small text file and a ~300 KB binary one
// (an odd size, so that an off-by-one or a lost chunk shows).
const TEXT = {
  name: "notes.txt",
  type: "text/plain",
  data: Buffer.from("Moonbridge upload test\n"),
};
const BINARY = {
  name: "photo-300k.bin",
  type: "application/octet-stream",
  data: pseudoRandom(300_007),
};

/** Deterministic bytes (so the screenshots stay the same from run to run). */
function pseudoRandom(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  let state = 0x2545f491;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

describe.skipIf(missing !== undefined)("the example's pages in Chromium", () => {
  let app: Example | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let dir: string | undefined;
  let screenshots: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "moonbridge-browser-"));
    await writeFile(join(dir, TEXT.name), TEXT.data);
    await writeFile(join(dir, BINARY.name), BINARY.data);
    screenshots = UPDATE_SCREENSHOTS ? DOCS : join(dir, "screenshots");
    await mkdir(screenshots, { recursive: true });
    app = await startExample({
      NOTES_FILE: join(dir, "notes.jsonl"),
      UPLOAD_DIR: join(dir, "uploads"),
    });
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 900, height: 700 },
      colorScheme: "light",
      locale: "en-US",
    });
    page = await context.newPage();
  });

  afterAll(async () => {
    try {
      await browser?.close();
      await app?.stop();
    } finally {
      stopAll();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    }
  });

  it("uploads a comment and two files and answers with their names and sizes", async () => {
    if (app === undefined || dir === undefined) throw new Error("not started");
    const response = await page.goto(`${app.url}/upload`);
    expect(response?.status()).toBe(200);

    await page.locator("textarea[name=comment]").fill(COMMENT);
    await page
      .locator("input[type=file][name=files]")
      .setInputFiles([join(dir, TEXT.name), join(dir, BINARY.name)]);
    await page.screenshot({ path: join(screenshots, "upload-form.png") });

    const posted = page.waitForResponse(
      (r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/upload",
    );
    await page.locator("form button[type=submit]").click();
    expect((await posted).status()).toBe(200);
    await page.locator("table#files").waitFor();

    const rows: string[][] = [];
    for (const tr of await page.locator("table#files tbody tr").all()) {
      rows.push(await tr.locator("td").allTextContents());
    }
    expect(rows).toEqual([
      [TEXT.name, TEXT.type, String(TEXT.data.length)],
      [BINARY.name, BINARY.type, String(BINARY.data.length)],
    ]);
    const total = await page.locator("table#files tfoot .size").textContent();
    expect(total).toBe(String(TEXT.data.length + BINARY.data.length));
    expect(await page.locator("#comment").textContent()).toBe(COMMENT);
    expect(await page.locator("h1").textContent()).toBe("Uploaded 2 files");
    await page.screenshot({ path: join(screenshots, "upload-result.png") });
  });

  it("adds a note on the JSON API page and lists it", async () => {
    if (app === undefined) throw new Error("not started");
    const response = await page.goto(`${app.url}/api`);
    expect(response?.status()).toBe(200);
    const text = `note ${Date.now()}`;
    await page.locator("#text").fill(text);
    await page.locator("#note button").click();
    await page.locator("#status", { hasText: "201" }).waitFor();
    await page.locator("#notes li", { hasText: text }).waitFor();
    expect(await page.locator("#notes li", { hasText: text }).textContent()).toMatch(
      new RegExp(`^${text} \\(worker \\d+\\)$`),
    );
  });

  it("opens the echo page's WebSocket and shows each message come back from its worker", async () => {
    if (app === undefined) throw new Error("not started");
    const response = await page.goto(`${app.url}/echo`);
    expect(response?.status()).toBe(200);
    await page.locator("#state", { hasText: "open" }).waitFor();
    await page.locator("#message").fill("héllo <b>");
    await page.locator("#form button").click();
    await page.locator("#log li").first().waitFor();
    expect(await page.locator("#log li").first().textContent()).toMatch(/^\d+: héllo <b>$/);
  });

  it("shows the pool's state on the home page, and the 500 and 503 pages from its links", async () => {
    if (app === undefined) throw new Error("not started");
    const home = await page.goto(`${app.url}/`);
    expect(home?.status()).toBe(200);
    expect(Number(await page.locator("#pool-workers").textContent())).toBeGreaterThanOrEqual(1);
    expect(await page.locator("#pool-parked").textContent()).toMatch(/^\d+$/);
    await page.screenshot({ path: join(screenshots, "home.png") });

    const [thrown] = await Promise.all([
      page.waitForResponse(/\/throw$/),
      page.locator("a[href='/throw']").click(),
    ]);
    expect(thrown.status()).toBe(500);
    expect(await page.locator("h1#error").textContent()).toBe("Something went wrong");
    expect(await page.title()).toBe("500 Internal Server Error");

    await page.goto(`${app.url}/`);
    const [killed] = await Promise.all([
      page.waitForResponse(/\/slow\?seconds=5$/),
      page.locator("a[href='/slow?seconds=5']").click(),
    ]);
    expect(killed.status()).toBe(503);
    expect(await page.locator("h1#error").textContent()).toBe("That took too long");
    await page.screenshot({ path: join(screenshots, "timeout-page.png") });
  });
});
