// The example's settings, from the environment: where to listen (HOST,
// PORT, PROXY_PROTOCOL, TLS_CERT_FILE, TLS_KEY_FILE), the proxies to trust (TRUST_PROXY) and an access log (ACCESS_LOG)
// and, for tests and demos, the pool's size, the HTTP timeouts, parking and
// the interval delay.

import { readFileSync } from "node:fs";

/**
 * A number of seconds from the environment, or the fallback.
 * @param {string} name
 * @param {number} fallback
 */
function seconds(name, fallback) {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`${name} must be a number of seconds, not ${JSON.stringify(text)}`);
  }
  return value;
}

/**
 * A whole number from the environment, or the fallback.
 * @param {string} name
 * @param {number} fallback
 */
function count(name, fallback) {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a whole number >= 1, not ${JSON.stringify(text)}`);
  }
  return value;
}

const port = Number(process.env.PORT ?? 8080);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  throw new Error(`PORT must be a port number, not ${JSON.stringify(process.env.PORT)}`);
}

/** @returns {"common" | "json" | undefined} */
function accessLogFormat() {
  const text = process.env.ACCESS_LOG;
  if (text === undefined || text === "") return undefined;
  if (text === "common" || text === "json") return text;
  throw new Error(`ACCESS_LOG must be common or json, not ${JSON.stringify(text)}`);
}
const accessLog = accessLogFormat();

/** The certificate and key that TLS_CERT_FILE and TLS_KEY_FILE name, or undefined for plain HTTP. */
function tlsFiles() {
  const certFile = process.env.TLS_CERT_FILE;
  const keyFile = process.env.TLS_KEY_FILE;
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) throw new Error("TLS_CERT_FILE and TLS_KEY_FILE go together");
  return { cert: readFileSync(certFile), key: readFileSync(keyFile) };
}

export const config = {
  host: process.env.HOST ?? "127.0.0.1",
  port,
  /** PROXY_PROTOCOL=1: every connection begins with a PROXY protocol header (HAProxy's, v1 or v2), which gives the client's address. */
  proxyProtocol: process.env.PROXY_PROTOCOL === "1",
  /** TLS_CERT_FILE and TLS_KEY_FILE (PEM): HTTPS, the files read as each worker loads (SIGHUP takes renewed ones). */
  tls: tlsFiles(),
  /** Proxies whose X-Forwarded-For and X-Forwarded-Proto are believed: comma-separated addresses, ranges or names ("loopback"). */
  trustProxy: (process.env.TRUST_PROXY ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== ""),
  /** "common" or "json": a line per request on standard output. */
  accessLog,
  /** Workers at least and at most. */
  minFork: count("MIN_FORK", 4),
  maxFork: count("MAX_FORK", 16),
  /** Seconds between the interval listener's log lines. */
  heartbeat: seconds("HEARTBEAT_SECONDS", 60),
  /** HTTP timeouts; unset: @moonbridge/http's defaults. */
  timeouts: {
    idleTimeout: seconds("HTTP_IDLE_TIMEOUT", 65),
    requestHeaderTimeout: seconds("HTTP_HEADER_TIMEOUT", 120),
    stallTimeout: seconds("HTTP_STALL_TIMEOUT", 60),
    responseTimeout: seconds("HTTP_RESPONSE_TIMEOUT", 3600),
    drainTimeout: seconds("HTTP_DRAIN_TIMEOUT", 2),
    /** Seconds an idle keep-alive connection stays in its worker before it is parked in the supervisor. */
    parkAfter: seconds("HTTP_PARK_AFTER", 1),
  },
};
