// The public API of formed, listed by name. Everything not exported here is internal.

export type { CacheKey, CacheLock, WorkflowCache } from "./cache/cache.js";
export { CacheMissError } from "./cache/cache.js";
export { EmptyCache } from "./cache/empty.js";
export { FilesystemCache } from "./cache/filesystem.js";
export type { CacheEntryInfo, RemoveOutcome } from "./cache/inventory.js";
export { MemoryCache } from "./cache/memory.js";
export { loadWorkflowConfig } from "./config/load-config.js";
export type { StepConfig, WorkflowConfig } from "./config/workflow-config.js";
export { isAssignable } from "./construct/assignable.js";
export type { BuildContext, ModuleImporter } from "./construct/build.js";
export { buildValue } from "./construct/build.js";
export { Lazy } from "./construct/lazy.js";
export type { RegisterDecorator, SubclassOf } from "./construct/registrable.js";
export { Registrable } from "./construct/registrable.js";
export type { ValidateOptions } from "./construct/validate.js";
export { validateStepArguments, validateValue } from "./construct/validate.js";
export type { ConfigIssue, FormedErrorCode } from "./errors.js";
export { ConfigurationError, FormedError } from "./errors.js";
export type { WorkflowCallback } from "./executor/callback.js";
export { DefaultExecutor, StepFailedError } from "./executor/default-executor.js";
export type { ExecutionOutcome, ExecutionRun, WorkflowExecutor } from "./executor/executor.js";
export type { ParallelExecutorOptions } from "./executor/parallel-executor.js";
export { ParallelExecutor } from "./executor/parallel-executor.js";
export type { PlannedStep } from "./executor/plan.js";
export type { ResourceRequest } from "./executor/resource-gate.js";
export { ExecutionCanceledError } from "./executor/run-fault.js";
export type { ScheduledExecutorOptions } from "./executor/scheduled-executor.js";
export { ScheduledExecutor, StepsFailedError } from "./executor/scheduled-executor.js";
export type { KeyDifference } from "./fingerprint/key-diff.js";
export { describeDifference } from "./fingerprint/key-diff.js";
export type { ExecutionKeys, StaticKeyParts, StepKeyRecord, UpstreamDigest } from "./fingerprint/step-key.js";
export { AutoFormat } from "./format/auto.js";
export { BinaryFormat } from "./format/binary.js";
export { ClassRegistry } from "./format/class-registry.js";
export type { NamedFormat } from "./format/define-format.js";
export { defineFormat } from "./format/define-format.js";
export type { Format, FormatContext } from "./format/format.js";
export { JsonFormat } from "./format/json.js";
export { MappingFormat } from "./format/mapping.js";
export { FormatRegistry } from "./format/registry.js";
export { WorkflowGraph } from "./graph/graph.js";
export type { StepNode } from "./graph/step-node.js";
export { visualizeGraph } from "./graph/visualize.js";
export type { JsonnetEngine, JsonnetOptions } from "./jsonnet/engine.js";
export { GoJsonnetEngine } from "./jsonnet/go-jsonnet.js";
export type { Logger, LogLevel, LogRecord, LogSink } from "./logging/logger.js";
export { loadRequiredModules } from "./modules/load-modules.js";
export type { LoadedModule } from "./modules/loaded-module.js";
export type {
  ArchivedExecution,
  ArchivedExecutionState,
  ArchivedExecutionStatus,
  ArchivedGraph,
  ArchivedStep,
  ArchivedStepState,
  ArchivedStepStatus,
} from "./organizer/archive.js";
export type { CacheGcReport, RetentionPolicy } from "./organizer/cache-retention.js";
export type { CacheInfo } from "./organizer/cache-usage.js";
export type { ExecutionDiff, StepComparison, StepDiff, ValueChange } from "./organizer/execution-diff.js";
export type { ExecutionSummary, StepCounts } from "./organizer/execution-summary.js";
export { FilesystemOrganizer } from "./organizer/filesystem-organizer.js";
export { MemoryOrganizer } from "./organizer/memory-organizer.js";
export type { ExecutionMetadata } from "./organizer/metadata.js";
export type { MlflowOrganizerOptions } from "./organizer/mlflow-organizer.js";
export { MlflowOrganizer } from "./organizer/mlflow-organizer.js";
export type { OrganizerRunOptions, OrganizerRunResult, WorkflowOrganizer } from "./organizer/organizer.js";
export { projectJsonSchema } from "./schema/json-schema.js";
export type { FormedSettings } from "./settings/settings.js";
export { loadSettings } from "./settings/settings.js";
export type {
  ExecutionContext,
  ExecutionState,
  ExecutionStatus,
  StepContext,
  StepInfo,
  StepState,
  StepStatus,
} from "./step/context.js";
export { useExecutionContext, useStepContext, useStepLogger, useStepWorkdir } from "./step/context.js";
export type { RegisteredStep } from "./step/registry.js";
export { StepRegistry } from "./step/registry.js";
export type { Ignore, Step, StepCallSite, StepFunction, StepOptions } from "./step/step.js";
export { isStep, step } from "./step/step.js";
export { ExecutionRecords } from "./workflow/execution-records.js";
export type { LoadGraphOptions, LoadProjectOptions, PlanOptions, RunOptions } from "./workflow/project.js";
export { WorkflowProject } from "./workflow/project.js";
