import { dirname, join } from "node:path";
import ts from "typescript";
import { packageRoot } from "../../common/package-info.js";
import type { RecordingReader } from "./recording-reader.js";

/**
 * The program the analyzer reads types from: only the step files as roots (the compiler follows
 * their imports), the project's tsconfig.json for module resolution and strictness, and the
 * options that make it cheap. `types: []` and a single ES2022 lib more than halve the time of
 * a default program (no @types packages, fewer lib files); nothing is checked or emitted beyond
 * what the types we ask for need.
 */
export function createAnalysisProgram(
  cwd: string,
  rootFiles: readonly string[],
  reader: RecordingReader,
): ts.Program {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    ...projectOptions(cwd, reader),
    // Overrides: what makes the program small, and what keeps it from writing anything.
    types: [],
    lib: ["lib.es2022.d.ts"],
    skipLibCheck: true,
    noEmit: true,
    allowJs: true,
    checkJs: false,
    allowImportingTsExtensions: true,
    incremental: false,
    composite: false,
    declaration: false,
    sourceMap: false,
    noUnusedLocals: false,
    noUnusedParameters: false,
  };
  // A project without its own node_modules/formed (a CLI installed elsewhere) still gets the
  // types of "formed": those of this running package, as the loader gives its code.
  if (ts.resolveModuleName("formed", join(cwd, "index.ts"), options, ts.sys).resolvedModule === undefined) {
    const root = packageRoot();
    options.paths = {
      ...options.paths,
      formed: [join(root, "dist", "index.d.ts")],
      "formed/*": [join(root, "dist", "*")],
    };
  }
  const host = ts.createCompilerHost(options, true);
  host.readFile = reader.readFile;
  return ts.createProgram({ rootNames: [...rootFiles], options, host });
}

/** The compiler options of the tsconfig.json that governs `cwd`, if any (its file list is ignored). */
function projectOptions(cwd: string, reader: RecordingReader): ts.CompilerOptions {
  const configPath = ts.findConfigFile(cwd, ts.sys.fileExists);
  if (configPath === undefined) return {};
  const text = reader.readFile(configPath);
  if (text === undefined) return {};
  const json = ts.parseConfigFileTextToJson(configPath, text);
  if (json.error !== undefined || typeof json.config !== "object" || json.config === null) return {};
  const parsed = ts.parseJsonConfigFileContent(
    json.config,
    {
      useCaseSensitiveFileNames: ts.sys.useCaseSensitiveFileNames,
      // Not listing the project's files: the roots are the step files, and globbing costs time.
      readDirectory: () => [],
      fileExists: ts.sys.fileExists,
      readFile: reader.readFile,
    },
    dirname(configPath),
    undefined,
    configPath,
  );
  return parsed.options;
}
