// Process titles that say what each process is, for ps, top and
// /proc/PID/cmdline: "moonbridge: supervisor app.mjs", "moonbridge: worker
// 3 idle" (or busy, or exiting; "moonbridge: pool 1 worker 3 idle" for a
// second listen() call's pool). The moonbridge command names the app in
// MOONBRIDGE_APP; a plain `node app.js` is named by its script. Linux keeps
// a title within the space of the process's original command line: a long
// one is cut there.

import { basename } from "node:path";

/** The environment variable the moonbridge command names the application in. */
export const APP_ENV = "MOONBRIDGE_APP";
/** The environment variable a worker finds its number in (its pool's forks, counted from 1). */
export const WORKER_NUMBER_ENV = "MOONBRIDGE_WORKER_NUMBER";

function setTitle(title: string): void {
  try {
    process.title = title;
  } catch {
    // A title is a courtesy: a platform that refuses it loses nothing else.
  }
}

/** The supervisor's title. */
export function titleSupervisor(): void {
  const app = process.env[APP_ENV] ?? basename(process.argv[1] ?? "app");
  setTitle(`moonbridge: supervisor ${app}`);
}

/** A worker's title, now in `state`. */
export function titleWorker(pool: number, state: "starting" | "idle" | "busy" | "exiting"): void {
  const number = process.env[WORKER_NUMBER_ENV] ?? "?";
  setTitle(`moonbridge: ${pool === 0 ? "" : `pool ${pool} `}worker ${number} ${state}`);
}
