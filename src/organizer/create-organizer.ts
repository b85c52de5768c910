import { ConfigurationError, describeValue } from "../errors.js";
import type { ClassRegistry } from "../format/class-registry.js";
import type { FormedSettings, RemoteCacheSettings } from "../settings/settings.js";
import { FilesystemOrganizer } from "./filesystem-organizer.js";
import { MemoryOrganizer } from "./memory-organizer.js";
import { MlflowOrganizer } from "./mlflow-organizer.js";
import type { WorkflowOrganizer } from "./organizer.js";

export interface OrganizerSpec {
  type: string;
  [option: string]: unknown;
}

export interface OrganizerContext {
  cwd: string;
  classes: ClassRegistry;
  settingsFile?: string;
  /** `workflow.remote_cache`: a shared store behind the organizer's cache. */
  remoteCache?: RemoteCacheSettings;
}

interface OrganizerFactory {
  options: readonly string[];
  /** Whether its cache can have `workflow.remote_cache` behind it; otherwise why not. */
  remoteCache: true | string;
  create(spec: OrganizerSpec, context: OrganizerContext): WorkflowOrganizer;
}

/** The built-in organizers by `type`, with the options each accepts. */
const ORGANIZERS: Record<string, OrganizerFactory> = {
  memory: {
    options: [],
    remoteCache: "the memory organizer keeps nothing to share; use the filesystem organizer",
    create: (_spec, context) => new MemoryOrganizer({ classes: context.classes }),
  },
  filesystem: {
    options: ["directory"],
    remoteCache: true,
    create: (spec, context) =>
      new FilesystemOrganizer({
        cwd: context.cwd,
        classes: context.classes,
        ...(typeof spec.directory === "string" ? { directory: spec.directory } : {}),
        ...(context.remoteCache === undefined ? {} : { remoteCache: context.remoteCache }),
      }),
  },
  mlflow: {
    options: ["tracking_uri", "experiment_name", "directory"],
    remoteCache:
      "the mlflow organizer already shares results through its tracking server (whose artifact store may be S3); use the filesystem organizer",
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
export function createOrganizer(spec: OrganizerSpec, context: OrganizerContext): WorkflowOrganizer {
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
  if (context.remoteCache !== undefined && factory.remoteCache !== true) {
    issues.push({ path: "workflow.remote_cache", message: `not available: ${factory.remoteCache}` });
  }
  if (issues.length > 0) throw new ConfigurationError(issues, { ...where, code: "E_SETTINGS" });
  return factory.create(spec, context);
}

/** The organizer formed.yml names, with its `workflow.remote_cache` behind its cache. */
export function organizerOfSettings(
  settings: FormedSettings,
  context: { cwd: string; classes: ClassRegistry },
): WorkflowOrganizer {
  const { remoteCache } = settings.workflow;
  return createOrganizer(settings.workflow.organizer, {
    ...context,
    ...(settings.file === undefined ? {} : { settingsFile: settings.file }),
    ...(remoteCache === undefined ? {} : { remoteCache }),
  });
}

export function organizerTypes(): string[] {
  return Object.keys(ORGANIZERS);
}
