// parseUrlencoded's limits are checked in limits.ts, with MultipartParser's:
// one checker per package. This file only keeps urlencoded.ts's import path.
export { DEFAULT_URLENCODED_LIMITS, validateUrlencodedLimits } from "./limits";
