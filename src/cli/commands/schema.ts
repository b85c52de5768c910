import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { projectJsonSchema } from "../../schema/json-schema.js";
import { WorkflowProject } from "../../workflow/project.js";
import type { Terminal } from "../terminal.js";

/** The JSON Schema (draft 2020-12) of configs for every registered step, to stdout or a file. */
export async function schemaCommand(
  terminal: Terminal,
  options: { output?: string; settings?: string },
): Promise<number> {
  const project = await WorkflowProject.load(
    options.settings === undefined ? {} : { settingsFile: options.settings },
  );
  const text = `${JSON.stringify(projectJsonSchema(await project.types()), null, 2)}\n`;
  if (options.output === undefined) {
    terminal.out(text);
  } else {
    await writeFile(resolve(options.output), text);
    terminal.err(`wrote the schema of ${project.steps.names().length} steps to ${options.output}\n`);
  }
  return 0;
}
