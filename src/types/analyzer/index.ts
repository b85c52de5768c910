// The type analyzer's public surface: what the rest of formed imports from here. The compiler
// implementation (compiler-type-analyzer.ts) is not re-exported: importing it loads `typescript`,
// which a cached analysis never needs.

export type { AnalyzeProjectInput, ProjectTypesResult } from "./analyze-project-types.js";
export {
  ANALYZER_VERSION,
  analyzeProjectTypes,
  analyzeProjectTypesWithInfo,
  analyzerStats,
} from "./analyze-project-types.js";
export type { AnalyzeInput, StepSource, TypeAnalysis, TypeAnalyzer } from "./analyzer.js";
export type { FileStamp } from "./file-stamp.js";
