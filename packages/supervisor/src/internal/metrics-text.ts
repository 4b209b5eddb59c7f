// A pool's statistics in the Prometheus text format (version 0.0.4), what
// pool.metrics() returns and the `metrics` option serves: gauges for what
// is now (workers by state, parked connections), counters for what has
// happened since the supervisor started (requests, connections, forks,
// exits by reason, parks, resumes). The counters are the supervisor's own
// sums, so they survive the workers that reported them.

import type { PoolStats } from "../pool";
import type { HistogramSnapshot } from "./histogram";

/** The content type of the text format, for a scrape's response. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** One metric: its help, its type, and its samples (extra labels, value). */
function metric(
  name: string,
  type: "gauge" | "counter",
  help: string,
  pool: number,
  samples: Array<[labels: string, value: number]>,
): string {
  let text = `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
  for (const [labels, value] of samples)
    text += `${name}{pool="${pool}"${labels === "" ? "" : `,${labels}`}} ${value}\n`;
  return text;
}

/** Exit reasons are ours (words and dashes), but a label value is escaped all the same. */
function labelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

/** A histogram's samples: cumulative buckets, sum and count. */
function histogram(name: string, help: string, pool: number, waits: HistogramSnapshot): string {
  let text = `# HELP ${name} ${help}\n# TYPE ${name} histogram\n`;
  for (const [bound, count] of waits.buckets) {
    const le = bound === Number.POSITIVE_INFINITY ? "+Inf" : String(bound);
    text += `${name}_bucket{pool="${pool}",le="${le}"} ${count}\n`;
  }
  text += `${name}_sum{pool="${pool}"} ${waits.sum}\n${name}_count{pool="${pool}"} ${waits.count}\n`;
  return text;
}

export function metricsText(stats: PoolStats, pool: number, waits: HistogramSnapshot): string {
  const one = (value: number): Array<[string, number]> => [["", value]];
  return [
    metric("moonbridge_workers", "gauge", "Worker processes by state.", pool, [
      ['state="idle"', stats.idle],
      ['state="busy"', stats.busy],
      ['state="starting"', stats.starting],
    ]),
    metric(
      "moonbridge_listening_workers",
      "gauge",
      "Workers holding a listening slot.",
      pool,
      one(stats.listening),
    ),
    metric(
      "moonbridge_requests_total",
      "counter",
      "Requests workers began (each HTTP request; a raw connect call that counts none is one).",
      pool,
      one(stats.requests),
    ),
    metric(
      "moonbridge_connections_total",
      "counter",
      "Connections (new and resumed) and interval runs workers took.",
      pool,
      one(stats.served),
    ),
    metric("moonbridge_forks_total", "counter", "Workers started.", pool, one(stats.forks)),
    metric(
      "moonbridge_worker_exits_total",
      "counter",
      "Worker exits by reason.",
      pool,
      Object.entries(stats.exits)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([reason, count]) => [`reason="${labelValue(reason)}"`, count]),
    ),
    metric(
      "moonbridge_parked_connections",
      "gauge",
      "Connections parked in the supervisor.",
      pool,
      one(stats.parked),
    ),
    metric(
      "moonbridge_parked_waiting_connections",
      "gauge",
      "Parked connections whose client has sent its next request, waiting for a worker.",
      pool,
      one(stats.waiting),
    ),
    metric(
      "moonbridge_parks_total",
      "counter",
      "Connections workers parked.",
      pool,
      one(stats.parks),
    ),
    metric(
      "moonbridge_resumes_total",
      "counter",
      "Parked connections workers took back.",
      pool,
      one(stats.resumes),
    ),
    metric(
      "moonbridge_connection_copies",
      "gauge",
      "Connections served between requests that the supervisor holds a copy of.",
      pool,
      one(stats.copies),
    ),
    histogram(
      "moonbridge_queue_wait_seconds",
      "How long a parked connection with a request waited for a worker to take it.",
      pool,
      waits,
    ),
  ].join("");
}
