import { MemoryOrganizer } from "../../src/organizer/memory-organizer.js";
import { describeOrganizerConformance } from "./conformance.js";

describeOrganizerConformance("memory", async () => ({
  organizer: new MemoryOrganizer(),
  cleanup: async () => undefined,
}));
