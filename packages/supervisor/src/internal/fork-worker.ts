// Starting a worker process: the application's own script, forked with the
// supervisor's Node options (and a heap limit from memoryLimit, and V8's
// young generation kept: young-generation.ts) and the environment that tells
// it which pool it serves.

import { type ChildProcess, fork } from "node:child_process";
import type { ResolvedOptions } from "../options";
import { WORKER_NUMBER_ENV } from "./process-title";
import { POOL_ENV, TURN_FD_ENV, WORKER_ENV } from "./protocol";
import { youngGenerationArgs } from "./young-generation";

/** The descriptor number a worker finds its turn file at. */
const TURN_FD = 4;

/**
 * Forks worker `number` (its pool's forks, counted from 1, for its title) of
 * pool `index` (the listen() call's number), given its turn file
 * (turn-file.ts) if there is one.
 */
export function forkWorker(
  index: number,
  number: number,
  {
    memoryLimit,
    keepYoungGeneration,
  }: Pick<ResolvedOptions, "memoryLimit" | "keepYoungGeneration">,
  turnFd: number | undefined,
): ChildProcess {
  const main = process.argv[1];
  if (main === undefined)
    throw new Error("listen() must run in a module started as a script (node app.js)");
  const execArgv = [...process.execArgv];
  if (
    memoryLimit !== undefined &&
    !execArgv.some((arg) => arg.startsWith("--max-old-space-size"))
  ) {
    execArgv.push(`--max-old-space-size=${Math.max(16, Math.floor(memoryLimit / (1024 * 1024)))}`);
  }
  if (keepYoungGeneration) execArgv.push(...youngGenerationArgs(execArgv));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    [WORKER_ENV]: "1",
    [POOL_ENV]: String(index),
    [WORKER_NUMBER_ENV]: String(number),
  };
  if (turnFd === undefined) delete env[TURN_FD_ENV];
  else env[TURN_FD_ENV] = String(TURN_FD);
  return fork(main, process.argv.slice(2), {
    execArgv,
    env,
    // The turn file goes in as descriptor TURN_FD; the rest is fork()'s default.
    ...(turnFd !== undefined && { stdio: ["inherit", "inherit", "inherit", "ipc", turnFd] }),
  });
}
