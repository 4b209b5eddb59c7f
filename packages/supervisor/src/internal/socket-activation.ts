// systemd's socket activation (sd_listen_fds(3)): a service manager that
// binds the listening sockets itself passes them to the service's main
// process as descriptors 3, 4, ... with LISTEN_FDS (how many) and LISTEN_PID
// (the process they are meant for). The supervisor takes them for its first
// pool's socket listeners in order, and removes the variables, so that a
// later pool, its workers and what they start do not take them again.

import { SupervisorError } from "../errors";

/** The first descriptor a service manager passes (SD_LISTEN_FDS_START). */
const FIRST_FD = 3;

/**
 * The descriptors passed to this process, in order; empty when none were
 * (or they were meant for another process, or were taken: the variables
 * go with the first call). Throws
 * BIND_FAILED for a LISTEN_FDS that is not a count.
 */
export function inheritedSockets(
  env: NodeJS.ProcessEnv = process.env,
  pid = process.pid,
): number[] {
  const count = env.LISTEN_FDS;
  const meantFor = env.LISTEN_PID;
  delete env.LISTEN_FDS;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDNAMES;
  if (count === undefined || meantFor === undefined || Number(meantFor) !== pid) return [];
  if (!/^\d+$/.test(count))
    throw new SupervisorError(
      "BIND_FAILED",
      `listen: LISTEN_FDS must be a count of descriptors, got ${JSON.stringify(count)}`,
    );
  return Array.from({ length: Number(count) }, (_, i) => FIRST_FD + i);
}
