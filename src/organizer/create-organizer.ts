import { ConfigurationError, describeValue } from "../errors.js";
import type { ClassRegistry } from "../format/class-registry.js";
import { FilesystemOrganizer } from "./filesystem-organizer.js";
import { MemoryOrganizer } from "./memory-organizer.js";
import { MlflowOrganizer } from "./mlflow-organizer.js";
import type { WorkflowOrganizer } from "./organizer.js";

export interface OrganizerSpec {
  type: string;
  [option: string]: unknown;
}

interface OrganizerFactory {
  options: readonly string[];
  create(spec: OrganizerSpec, context: { cwd: string; classes: ClassRegistry }): WorkflowOrganizer;
}

/** The built-in organizers by `type`, with the options each accepts. */
const ORGANIZERS: Record<string, OrganizerFactory> = {
  memory: { options: [], create: (_spec, context) => new MemoryOrganizer({ classes: context.classes }) },
  filesystem: {
    options: ["directory"],
    create: (spec, context) =>
      new FilesystemOrganizer({
        cwd: context.cwd,
        classes: context.classes,
        ...(typeof spec.directory === "string" ? { directory: spec.directory } : {}),
      }),
  },
  mlflow: {
    options: ["tracking_uri", "experiment_name", "directory"],
    create: (spec, context) =>
      new MlflowOrganizer({
        cwd: context.cwd,
        classes: context.classes,
        ...(typeof spec.tracking_uri === "string" ? { trackingUri: spec.tracking_uri } : {}),
        ...(typeof spec.experiment_name === "string" ? { experimentName: spec.experiment_name } : {}),
        ...(typeof spec.directory === "string" ? { directory: spec.directory } : {}),
      }),
  },
};

/** Builds the organizer `workflow.organizer` of formed.yml names, or says what is wrong with it. */
export function createOrganizer(
  spec: OrganizerSpec,
  context: { cwd: string; classes: ClassRegistry; settingsFile?: string },
): WorkflowOrganizer {
  const where = context.settingsFile === undefined ? {} : { file: context.settingsFile };
  const factory = ORGANIZERS[spec.type];
  if (factory === undefined) {
    throw new ConfigurationError(
      [
        {
          path: "workflow.organizer.type",
          message: `unknown organizer "${spec.type}"; expected one of ${Object.keys(ORGANIZERS).join(", ")}`,
        },
      ],
      { ...where, code: "E_SETTINGS" },
    );
  }
  const issues = Object.keys(spec)
    .filter((key) => key !== "type" && !factory.options.includes(key))
    .map((key) => ({
      path: `workflow.organizer.${key}`,
      message: `unknown option for the ${spec.type} organizer${factory.options.length === 0 ? "" : ` (known: ${factory.options.join(", ")})`}`,
    }));
  for (const option of factory.options) {
    // Every option of the built-in organizers is a string.
    if (spec[option] !== undefined && typeof spec[option] !== "string") {
      issues.push({
        path: `workflow.organizer.${option}`,
        message: `expected a string, got ${describeValue(spec[option])}`,
      });
    }
  }
  if (issues.length > 0) throw new ConfigurationError(issues, { ...where, code: "E_SETTINGS" });
  return factory.create(spec, context);
}

export function organizerTypes(): string[] {
  return Object.keys(ORGANIZERS);
}
