import { rm } from "node:fs/promises";
import { FilesystemOrganizer } from "../../src/organizer/filesystem-organizer.js";
import { tempDir } from "../support/files.js";
import { describeOrganizerConformance } from "./conformance.js";

describeOrganizerConformance("filesystem", async () => {
  const directory = tempDir("formed-fs-organizer-");
  return {
    organizer: new FilesystemOrganizer({ directory }),
    cleanup: () => rm(directory, { recursive: true, force: true }),
  };
});
