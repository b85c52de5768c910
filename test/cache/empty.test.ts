import { EmptyCache } from "../../src/cache/empty.js";
import { describeCacheConformance } from "./conformance.js";

describeCacheConformance("empty", async () => ({ cache: new EmptyCache(), cleanup: async () => {} }), {
  stores: false,
  serializes: false,
});
