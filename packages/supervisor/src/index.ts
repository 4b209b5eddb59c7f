// Public surface of @moonbridge/supervisor.
export { SupervisorError, type SupervisorErrorCode } from "./errors";
export { listen, type WorkerSide } from "./listen";
export type { Listener, ListenOptions, TlsOptions } from "./options";
export { type BoundAddress, Pool, type PoolStats } from "./pool";
