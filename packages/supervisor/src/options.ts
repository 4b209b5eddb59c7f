// The options of listen(), Moonbridge's listen{...} in TypeScript, and their
// checking: once, before anything is bound; a bad value or an unknown key
// throws SupervisorError INVALID_OPTION naming it; a missing one takes
// Moonbridge's default (the convention of every package: see
// docs/architecture.md, "Errors and options").

import { availableParallelism } from "node:os";
import { createSecureContext, type SecureContextOptions } from "node:tls";
import type { MoonSocket } from "@moonbridge/socket";
import { SupervisorError } from "./errors";
import { openFilesLimit } from "./internal/open-files";

/**
 * A TLS listener's secure context: node:tls's options (`key` and `cert` in
 * PEM, or `pfx`; `ca`, `passphrase`, `ciphers`, `minVersion`, ...). Read them
 * at the module's top level (`readFileSync`): each worker loads the module,
 * so a SIGHUP reload takes renewed certificates.
 */
export type TlsOptions = SecureContextOptions;

/** One listener: Moonbridge's array part of `listen{...}`. */
export type Listener =
  /**
   * TCP over IPv4 or IPv6. `host` defaults to every address ("::", or
   * "0.0.0.0" without IPv6); port 0 picks a free port. `proxyProtocol`:
   * every connection begins with a PROXY protocol header (v1 or v2), which
   * gives the socket's addresses; one without it is closed. `tls`: HTTPS
   * (TLS): the certificate and key (node:tls's secure context options), the
   * handshake done by the worker that serves the connection.
   */
  | { proto: "tcp"; host?: string; port: number; proxyProtocol?: boolean; tls?: TlsOptions }
  /** A Unix domain socket. A stale socket file at `path` is replaced; any other file there is an error. `proxyProtocol`: as for tcp. */
  | { proto: "local"; path: string; proxyProtocol?: boolean }
  /** Every `delay` seconds, `connect` runs in a worker with `socket.interval === name`. `strict`: fixed rate. */
  | { proto: "interval"; name: string; delay: number; strict?: boolean }
  /** `connect` runs once, in a worker, at start, with `socket.interval === name`. */
  | { proto: "main"; name?: string };

export interface ListenOptions {
  /** What to listen on; at least one. */
  listeners: Listener[];
  /** Idle workers kept ready for new connections. @default 1 */
  preFork?: number;
  /** Workers kept at least. @default the number of CPUs (at least 2, at most a maxFork given, at least preFork) */
  minFork?: number;
  /** Workers at most; beyond, connections wait in the kernel's backlog. @default max(minFork, 16) */
  maxFork?: number;
  /** Seconds between creating two workers. @default 0.25 */
  forkDelay?: number;
  /** Seconds to wait after a worker failed to start or crashed; never less than forkDelay. @default 2 */
  forkErrorDelay?: number;
  /** Seconds between retiring two idle workers beyond preFork. @default 60 */
  exitDelay?: number;
  /** Seconds a worker may stay idle before it exits; 0: forever. @default 0 */
  idleTimeout?: number;
  /** Bytes of memory a worker may use; above it, it is replaced. @default no limit */
  memoryLimit?: number;
  /**
   * Requests a worker serves before it is replaced (each HTTP request of a
   * keep-alive connection counts; a raw connect call is one): it finishes
   * what it runs, hands its idle connections on, and exits. 0: never.
   * @default 0
   */
  maxRequests?: number;
  /** Up to this many more requests, drawn per worker, so that workers started together do not all retire together. @default 0 */
  maxRequestsJitter?: number;
  /**
   * The supervisor serves the pool's metrics in the Prometheus text format
   * at `http://host:port/metrics` (`pool.metrics()` gives the same text).
   * `host` defaults to 127.0.0.1; port 0 picks a free port
   * (`pool.metricsAddress` once `ready`). @default none
   */
  metrics?: { host?: string; port: number };
  /** Seconds busy workers get to finish when the pool stops (SIGTERM), then they are killed. @default 30 */
  shutdownTimeout?: number;
  /**
   * Connections the supervisor holds parked at most (each costs it a file
   * descriptor and a few KB); beyond, workers keep their idle connections.
   * 0: no parking. @default the open-files limit less a quarter of it (at most 1024 less), or 4096 where it cannot be read
   */
  maxParked?: number;
  /**
   * Workers keep V8's young generation committed: V8 would shrink it after
   * every scavenge in a process that allocates as slowly as one worker of a
   * pool does, and fault it in again, zeroed, page by page (see the README's
   * "Young generation"). false: V8's own behaviour. @default true
   */
  keepYoungGeneration?: boolean;
  /** Runs once in each worker before it takes connections. */
  prepare?(): unknown | Promise<unknown>;
  /** Serves one connection (or interval/main run). Exactly `true`: the worker serves again; anything else: it exits. */
  connect(socket: MoonSocket): unknown | Promise<unknown>;
  /** Runs once in each worker before it exits. */
  finish?(): unknown | Promise<unknown>;
}

export interface ResolvedOptions {
  listeners: Listener[];
  preFork: number;
  minFork: number;
  maxFork: number;
  forkDelay: number;
  forkErrorDelay: number;
  exitDelay: number;
  idleTimeout: number;
  memoryLimit: number | undefined;
  maxRequests: number;
  maxRequestsJitter: number;
  metrics: { host: string; port: number } | undefined;
  shutdownTimeout: number;
  maxParked: number;
  keepYoungGeneration: boolean;
  prepare: (() => unknown) | undefined;
  connect: (socket: MoonSocket) => unknown;
  finish: (() => unknown) | undefined;
}

/**
 * File descriptors kept free of parked connections: for listeners, workers'
 * pipes, files, and connections on their way. A quarter of a small limit
 * (1024 is a common default), 1024 of a large one.
 */
function defaultMaxParked(): number {
  const limit = openFilesLimit();
  if (limit === undefined) return 4096;
  return Math.max(0, limit - Math.min(1024, Math.floor(limit / 4)));
}

function invalid(message: string): SupervisorError {
  return new SupervisorError("INVALID_OPTION", `@moonbridge/supervisor: listen(): ${message}`);
}

function count(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw invalid(`${name} must be an integer >= ${min}, got ${shown(value)}`);
  }
  return value;
}

function seconds(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw invalid(`${name} must be a finite number of seconds >= 0, got ${shown(value)}`);
  }
  return value;
}

function flag(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw invalid(`${name} must be a boolean, got ${shown(value)}`);
  return value;
}

function handler(
  name: string,
  value: unknown,
  required: boolean,
): ((...args: never[]) => unknown) | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== "function") throw invalid(`${name} must be a function, got ${shown(value)}`);
  return value as (...args: never[]) => unknown;
}

/**
 * The options listen() knows, each once; any other key is an
 * error, not silently ignored. The compiler fails when an option is added
 * to ListenOptions and not here.
 */
const OPTION_NAMES = Object.keys({
  listeners: true,
  preFork: true,
  minFork: true,
  maxFork: true,
  forkDelay: true,
  forkErrorDelay: true,
  exitDelay: true,
  idleTimeout: true,
  memoryLimit: true,
  maxRequests: true,
  maxRequestsJitter: true,
  metrics: true,
  shutdownTimeout: true,
  maxParked: true,
  keepYoungGeneration: true,
  prepare: true,
  connect: true,
  finish: true,
} satisfies Record<keyof ListenOptions, true>);

/** Each listener kind's keys. */
const LISTENER_KEYS: Record<string, string[]> = {
  tcp: ["proto", "host", "port", "proxyProtocol", "tls"],
  local: ["proto", "path", "proxyProtocol"],
  interval: ["proto", "name", "delay", "strict"],
  main: ["proto", "name"],
};

/**
 * Throws for a key of `object` not in `known`; a Moonbridge (snake_case)
 * name gets ours in the message: `min_fork` → "did you mean minFork?".
 * `where` is the listener's place (`listeners[0]: `), or "" for listen()'s own.
 */
function rejectUnknown(object: object, known: readonly string[], where: string): void {
  const unknown = unknownOption(object, known);
  if (unknown !== undefined) throw invalid(`${where}${unknown}`);
}

/** A listener's TLS options, tried: a key, certificate or passphrase node:tls refuses is INVALID_OPTION here, not a worker that cannot start. */
function checkTls(tls: unknown, where: string): TlsOptions {
  if (typeof tls !== "object" || tls === null)
    throw invalid(
      `${where}.tls must be an object of node:tls options (key and cert), got ${shown(tls)}`,
    );
  const given = tls as TlsOptions;
  if (given.pfx === undefined && (given.key === undefined || given.cert === undefined))
    throw invalid(`${where}.tls needs key and cert (PEM), or pfx`);
  try {
    createSecureContext(given);
  } catch (error) {
    throw invalid(
      `${where}.tls: node:tls refuses it: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return given;
}

function checkListener(listener: unknown, at: number): Listener {
  const where = `listeners[${at}]`;
  if (typeof listener !== "object" || listener === null)
    throw invalid(`${where} must be an object, got ${shown(listener)}`);
  const entry = listener as Record<string, unknown>;
  const keys = LISTENER_KEYS[String(entry.proto)];
  if (keys !== undefined) rejectUnknown(entry, keys, `${where}: `);
  if (entry.proxyProtocol !== undefined && typeof entry.proxyProtocol !== "boolean")
    throw invalid(`${where}.proxyProtocol must be a boolean, got ${shown(entry.proxyProtocol)}`);
  const proxied = entry.proxyProtocol === true ? { proxyProtocol: true } : {};
  switch (entry.proto) {
    case "tcp": {
      const port = entry.port;
      if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
        throw invalid(`${where}.port must be an integer from 0 to 65535, got ${shown(port)}`);
      }
      if (entry.host !== undefined && (typeof entry.host !== "string" || entry.host === "")) {
        throw invalid(`${where}.host must be a non-empty string, got ${shown(entry.host)}`);
      }
      if (entry.tls !== undefined && entry.proxyProtocol === true)
        throw invalid(`${where}: proxyProtocol and tls together are not supported yet`);
      const tls = entry.tls === undefined ? {} : { tls: checkTls(entry.tls, where) };
      return entry.host === undefined
        ? { proto: "tcp", port, ...proxied, ...tls }
        : { proto: "tcp", host: entry.host, port, ...proxied, ...tls };
    }
    case "local":
      if (typeof entry.path !== "string" || entry.path === "" || entry.path.includes("\0")) {
        throw invalid(`${where}.path must be a non-empty file path, got ${shown(entry.path)}`);
      }
      return { proto: "local", path: entry.path, ...proxied };
    case "interval": {
      if (typeof entry.name !== "string")
        throw invalid(`${where}.name must be a string, got ${shown(entry.name)}`);
      const delay = entry.delay;
      if (typeof delay !== "number" || !Number.isFinite(delay) || delay <= 0) {
        throw invalid(`${where}.delay must be a number of seconds > 0, got ${shown(delay)}`);
      }
      if (entry.strict !== undefined && typeof entry.strict !== "boolean") {
        throw invalid(`${where}.strict must be a boolean, got ${shown(entry.strict)}`);
      }
      return { proto: "interval", name: entry.name, delay, strict: entry.strict === true };
    }
    case "main":
      if (entry.name !== undefined && typeof entry.name !== "string")
        throw invalid(`${where}.name must be a string, got ${shown(entry.name)}`);
      return entry.name === undefined ? { proto: "main" } : { proto: "main", name: entry.name };
    default:
      throw invalid(
        `${where}.proto must be "tcp", "local", "interval" or "main", got ${shown(entry.proto)}`,
      );
  }
}

/** The metrics option, checked: undefined when absent. */
function metricsOption(value: unknown): ResolvedOptions["metrics"] {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null)
    throw invalid(`metrics must be an object { host?, port }, got ${shown(value)}`);
  const entry = value as Record<string, unknown>;
  rejectUnknown(entry, ["host", "port"], "metrics: ");
  const port = entry.port;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535)
    throw invalid(`metrics.port must be an integer from 0 to 65535, got ${shown(port)}`);
  if (entry.host !== undefined && (typeof entry.host !== "string" || entry.host === ""))
    throw invalid(`metrics.host must be a non-empty string, got ${shown(entry.host)}`);
  return { host: (entry.host as string | undefined) ?? "127.0.0.1", port };
}

/** Checks every option and fills in the defaults. Throws SupervisorError INVALID_OPTION. */
export function resolveOptions(options: unknown): ResolvedOptions {
  if (typeof options !== "object" || options === null) {
    throw invalid(`options must be an object, got ${shown(options)}`);
  }
  const o = options as Record<string, unknown>;
  rejectUnknown(o, OPTION_NAMES, "");
  if (!Array.isArray(o.listeners) || o.listeners.length === 0) {
    throw invalid(
      `listeners must be an array of at least one listener, got ${Array.isArray(o.listeners) ? "none" : shown(o.listeners)}`,
    );
  }
  const listeners = o.listeners.map(checkListener);
  const preFork = count("preFork", o.preFork, 1, 0);
  // A worker runs one request at a time: one per CPU keeps them all busy under load
  // (no more than a maxFork given, and no fewer than preFork).
  const cpus = Math.max(2, availableParallelism());
  const givenMax = typeof o.maxFork === "number" ? o.maxFork : Number.POSITIVE_INFINITY;
  const minFork = count("minFork", o.minFork, Math.max(preFork, Math.min(cpus, givenMax)), 0);
  const maxFork = count("maxFork", o.maxFork, Math.max(minFork, 16), 1);
  if (minFork > maxFork) throw invalid(`minFork (${minFork}) must not exceed maxFork (${maxFork})`);
  if (preFork > maxFork) throw invalid(`preFork (${preFork}) must not exceed maxFork (${maxFork})`);
  const forkDelay = seconds("forkDelay", o.forkDelay, 0.25);
  const forkErrorDelay = Math.max(forkDelay, seconds("forkErrorDelay", o.forkErrorDelay, 2));
  let memoryLimit: number | undefined;
  if (o.memoryLimit !== undefined)
    memoryLimit = count("memoryLimit", o.memoryLimit, 0, 1024 * 1024);
  return {
    listeners,
    preFork,
    minFork,
    maxFork,
    forkDelay,
    forkErrorDelay,
    exitDelay: seconds("exitDelay", o.exitDelay, 60),
    idleTimeout: seconds("idleTimeout", o.idleTimeout, 0),
    memoryLimit,
    maxRequests: count("maxRequests", o.maxRequests, 0, 0),
    maxRequestsJitter: count("maxRequestsJitter", o.maxRequestsJitter, 0, 0),
    metrics: metricsOption(o.metrics),
    shutdownTimeout: seconds("shutdownTimeout", o.shutdownTimeout, 30),
    maxParked: count("maxParked", o.maxParked, defaultMaxParked(), 0),
    keepYoungGeneration: flag("keepYoungGeneration", o.keepYoungGeneration, true),
    prepare: handler("prepare", o.prepare, false) as ResolvedOptions["prepare"],
    connect: handler("connect", o.connect, true) as ResolvedOptions["connect"],
    finish: handler("finish", o.finish, false) as ResolvedOptions["finish"],
  };
}

// The unknown-key check and the way a bad value is shown: the same lines in
// every package's options file (each package stands alone), kept in step.

/**
 * The complaint about the first own key of `options` not in `known`, or
 * undefined if every key is known. A known name written another way
 * (`max_size`, `max-size`, `MaxSize`) or a letter or two off gets "did you
 * mean maxSize?"; any other key gets the list of known names.
 */
function unknownOption(options: object, known: readonly string[]): string | undefined {
  for (const key in options) {
    if (!Object.hasOwn(options, key) || known.includes(key)) continue;
    const folded = fold(key);
    let meant: string | undefined;
    let fewest = folded.length < 6 ? 2 : 3; // one edit more than a near miss may have
    for (const name of known) {
      const count = edits(folded, fold(name));
      if (count < fewest) [meant, fewest] = [name, count];
    }
    const hint =
      meant === undefined ? `known options: ${known.join(", ")}` : `did you mean ${meant}?`;
    return `unknown option ${JSON.stringify(key)}; ${hint}`;
  }
  return undefined;
}

/** A name without case, `_` and `-`: `max_size`, `max-size` and `MaxSize` fold alike. */
function fold(name: string): string {
  return name.replace(/[-_]/g, "").toLowerCase();
}

/** Letters inserted, deleted or replaced to make `a` into `b` (Levenshtein). */
function edits(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const replace = (row[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      next.push(Math.min((row[j] as number) + 1, (next[j - 1] as number) + 1, replace));
    }
    row = next;
  }
  return row[b.length] as number;
}

/** A value as a message shows it: short, never a whole object or long string. */
function shown(value: unknown): string {
  if (typeof value === "string")
    return value.length <= 32 ? JSON.stringify(value) : `a string of ${value.length} characters`;
  if (typeof value === "function") return "a function";
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value !== "object" || value === null) return String(value);
  return Array.isArray(value) ? "an array" : "an object";
}
