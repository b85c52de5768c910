import { WorkflowProject } from "../../workflow/project.js";
import type { Terminal } from "../terminal.js";

export async function removeCommand(
  terminal: Terminal,
  id: string,
  options: { settings?: string },
): Promise<number> {
  const project = await WorkflowProject.load(
    options.settings === undefined ? {} : { settingsFile: options.settings },
  );
  await project.organizer.remove(id);
  terminal.out(`removed execution ${id}\n`);
  return 0;
}
