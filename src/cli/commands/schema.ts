import { writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { FormedError } from "../../errors.js";
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
    const file = resolve(options.output);
    await writeFile(file, text).catch((error: NodeJS.ErrnoException) => {
      throw new FormedError(
        "E_NOT_FOUND",
        `cannot write the schema to ${file}: ${writeProblem(error, file)}`,
        {
          cause: error,
        },
      );
    });
    terminal.err(`wrote the schema of ${project.steps.names().length} steps to ${options.output}\n`);
  }
  return 0;
}

function writeProblem(error: NodeJS.ErrnoException, file: string): string {
  switch (error.code) {
    case "ENOENT":
      return `the folder ${dirname(file)} does not exist`;
    case "ENOTDIR":
      return `a part of ${dirname(file)} is a file, not a folder`;
    case "EISDIR":
      return "it is a folder";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    default:
      return error.message;
  }
}
