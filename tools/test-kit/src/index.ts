// The checks the packages' tests share, run from source by vitest (no build).
export { type Copies, loadBuild } from "./build";
export { describeErrorAcrossCopies, type ErrorCase, type ErrorClassChecks } from "./dual";
export { checkExports } from "./exports";
