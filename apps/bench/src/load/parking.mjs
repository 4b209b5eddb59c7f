// Whether the built moonbridge package knows generateHandler's `parking`
// option (idle keep-alive connections parked in the supervisor). A build
// from before the feature rejects it as INVALID_OPTION; the benchmarks then
// leave out or rename what needs it instead of failing to start a server.
import { http } from "moonbridge";

/** True if `http.generateHandler` accepts `parking` and `parkAfter`. */
export function parkingSupported() {
  try {
    http.generateHandler(
      /** @type {Parameters<typeof http.generateHandler>[0]} */ (
        /** @type {unknown} */ ({ parking: true, parkAfter: 1 })
      ),
      () => true,
    );
    return true;
  } catch (error) {
    if (/** @type {{ code?: unknown }} */ (error).code === "INVALID_OPTION") return false;
    throw error;
  }
}
