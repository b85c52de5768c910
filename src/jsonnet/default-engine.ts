import type { JsonnetEngine } from "./engine.js";
import { GoJsonnetEngine } from "./go-jsonnet.js";

let shared: GoJsonnetEngine | undefined;

/** The engine used when the caller passes none; created on first use so FORMED_JSONNET_BIN set at startup applies. */
export function defaultJsonnetEngine(): JsonnetEngine {
  shared ??= new GoJsonnetEngine();
  return shared;
}
