// The example's Dockerfile, as far as it can be run without docker (this
// machine reaches no image registry): its build stage's `pnpm deploy`, then
// its final stage's ENTRYPOINT and CMD (tini, then the moonbridge command)
// in that copy, with its ENV (HOST and PORT replaced: tests bind 127.0.0.1
// on a free port), and its HEALTHCHECK. `docker stop` sends SIGTERM to tini:
// it must reach the supervisor, which lets a busy worker finish its request,
// and everything exits 0.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { debianToolMissing } from "./helpers/debian-tool";

const APP_DIR = join(import.meta.dirname, "..");
const ROOT = join(APP_DIR, "..", "..");
const TINI = "/usr/bin/tini";

/** The Dockerfile's instructions, continuation lines joined, comments left out. */
function instructions(): string[] {
  const text = readFileSync(join(APP_DIR, "Dockerfile"), "utf8");
  return text
    .replace(/\\\n/g, " ")
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#"));
}

/** The final stage's instructions (after its last FROM). */
function finalStage(): string[] {
  const all = instructions();
  const from = all.map((line) => line.startsWith("FROM ")).lastIndexOf(true);
  return all.slice(from);
}

/** The JSON array of the last `keyword` instruction of the final stage (exec form). */
function execForm(keyword: string): string[] {
  const line = finalStage()
    .filter((l) => l.startsWith(`${keyword} `))
    .at(-1);
  const json = line === undefined ? undefined : /\[.*\]\s*$/.exec(line)?.[0];
  if (json === undefined) throw new Error(`the Dockerfile's final stage has no ${keyword} [...]`);
  return JSON.parse(json) as string[];
}

/** The final stage's ENV settings (KEY=value form). */
function env(): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const line of finalStage().filter((l) => l.startsWith("ENV "))) {
    for (const pair of line.slice(4).trim().split(/\s+/)) {
      const [key, value] = pair.split("=");
      if (key !== undefined && value !== undefined) settings[key] = value;
    }
  }
  return settings;
}

const missing = debianToolMissing(TINI, "tini", "the container test runs", import.meta.filename);

describe.skipIf(missing !== undefined)("the example's Dockerfile", () => {
  let dir = "";
  const children: ChildProcess[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "moonbridge-image-"));
    // The build stage's last step (the packages are built already: pnpm test builds first).
    const deploy = /pnpm --filter @moonbridge\/example deploy [^&\n]*\/app/.exec(
      instructions().join("\n"),
    )?.[0];
    expect(deploy, "the build stage deploys the example to /app").toBeDefined();
    const args = (deploy as string).split(/\s+/).slice(1, -1);
    const result = spawnSync("pnpm", [...args, "--offline", join(dir, "app")], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
  });
  afterAll(() => {
    for (const child of children) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs under tini, passes its health check, and stops gracefully on SIGTERM", async () => {
    const app = join(dir, "app");
    const environment = {
      ...process.env,
      // The CMD's `node` is the one running this test (CI runs several).
      PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH}`,
      ...env(),
      HOST: "127.0.0.1",
      PORT: "0",
    };
    expect(env()).toMatchObject({ HOST: "0.0.0.0", PORT: "8080" });
    const [init, ...initArgs] = [...execForm("ENTRYPOINT"), ...execForm("CMD")];
    expect(init).toBe(TINI);
    const child = spawn(init as string, initArgs, {
      cwd: app,
      env: environment,
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    for (let i = 0; i < 300 && !/listening on http:\/\/127\.0\.0\.1:\d+\//.test(output); i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const port = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(output)?.[1];
    expect(port, output).toBeDefined();

    // HEALTHCHECK: healthy on the app's port, unhealthy where nothing listens.
    const healthcheck = execForm("HEALTHCHECK");
    const check = (onPort: string) =>
      spawnSync(healthcheck[0] as string, healthcheck.slice(1), {
        env: { ...environment, PORT: onPort },
        timeout: 10_000,
      }).status;
    expect(check(port as string)).toBe(0);
    expect(check("1")).toBe(1);

    // docker stop: SIGTERM to the first process, while a request is running.
    const slow = fetch(`http://127.0.0.1:${port}/slow?seconds=1`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill("SIGTERM");
    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain("Worked for 1 seconds");
    expect(await exited, output).toBe(0);
    expect(output).toMatch(/SIGTERM: stopping/);
  });
});
