#!/usr/bin/env node
// The `moonbridge` command: runs an application module that calls listen().
// Workers are forked from this same command line, so they load the app the
// same way (with the same --import loaders); only the supervisor handles the
// pid file. Logging options reach the pool and its workers through the environment.

import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type CommandLine, parseArgs, USAGE, UsageError } from "./internal/args";
import { claimPidfile } from "./internal/pidfile";

const isWorker = process.env.MOONBRIDGE_WORKER === "1";

async function main(): Promise<void> {
  let line: CommandLine;
  try {
    line = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`moonbridge: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (line.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (line.version) {
    const { version } = createRequire(import.meta.url)("../package.json") as { version: string };
    process.stdout.write(`moonbridge ${version}\n`);
    return;
  }
  if (!isWorker) {
    // The processes' titles name the app as it was given (workers inherit it).
    process.env.MOONBRIDGE_APP = line.app;
    if (line.logfile !== undefined) process.env.MOONBRIDGE_LOGFILE = resolve(line.logfile);
    if (line.logFormat === "json") process.env.MOONBRIDGE_LOG_FORMAT = "json";
    if (line.debug) process.env.MOONBRIDGE_DEBUG = "1";
    if (line.stats > 0) process.env.MOONBRIDGE_STATS = String(line.stats);
    if (line.minFork !== undefined) process.env.MOONBRIDGE_MIN_FORK = String(line.minFork);
    if (line.maxFork !== undefined) process.env.MOONBRIDGE_MAX_FORK = String(line.maxFork);
    if (line.maxRequests !== undefined)
      process.env.MOONBRIDGE_MAX_REQUESTS = String(line.maxRequests);
    if (line.maxRequestsJitter !== undefined)
      process.env.MOONBRIDGE_MAX_REQUESTS_JITTER = String(line.maxRequestsJitter);
    if (line.pidfile !== undefined) {
      const other = claimPidfile(resolve(line.pidfile));
      if (other !== undefined) {
        process.stderr.write(`moonbridge: ${line.pidfile} names running process ${other}\n`);
        process.exit(3);
      }
    }
  }
  try {
    for (const specifier of line.imports) await import(importTarget(specifier));
    await import(pathToFileURL(resolve(line.app)).href);
  } catch (error) {
    process.stderr.write(`moonbridge: cannot load ${line.app}: ${describeLoadError(error)}\n`);
    process.exit(1);
  }
}

/**
 * The supervisor's own errors (a port in use: BIND_FAILED) by code and
 * message, their stack being ours, not the app's; anything else with its stack.
 */
function describeLoadError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  if (error.name === "SupervisorError" && typeof code === "string")
    return `${code}: ${error.message}`;
  return error.stack ?? error.message;
}

/** Paths are files; anything else is a package, found from the working directory (as node --import does). */
function importTarget(specifier: string): string {
  if (specifier.startsWith(".") || specifier.startsWith("/"))
    return pathToFileURL(resolve(specifier)).href;
  try {
    return pathToFileURL(createRequire(join(process.cwd(), "noop.js")).resolve(specifier)).href;
  } catch {
    return specifier;
  }
}

void main();
