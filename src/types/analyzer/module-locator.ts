import { isAbsolute, relative } from "node:path";
import ts from "typescript";
import { isInstalledPackageFile } from "./file-stamp.js";
import { resolveAlias } from "./formed-symbols.js";
import type { PackageLocator } from "./package-info.js";

/** How to import a declaration at run time from the working directory. */
export interface ImportLocation {
  /** A package specifier (`pkg`, `pkg/sub`) or an absolute file path. */
  readonly module: string;
  readonly exportName: string;
}

/**
 * Says where a class can be imported from. The user's own files are imported by absolute path.
 * A class declared in a package's `.d.ts` is imported the way the user's code imports it (the
 * bare specifiers in their files, subpaths included); failing that, by the package name and the
 * declaration file's path inside the package.
 */
export class ModuleLocator {
  #specifierExports: Map<string, readonly ts.Symbol[]> | undefined;

  constructor(
    private readonly cwd: string,
    private readonly checker: ts.TypeChecker,
    private readonly userFiles: readonly ts.SourceFile[],
    private readonly packages: PackageLocator,
  ) {}

  locate(symbol: ts.Symbol, declaration: ts.Declaration): ImportLocation {
    const file = declaration.getSourceFile();
    if (!file.isDeclarationFile && !isInstalledPackageFile(file.fileName)) {
      return { module: file.fileName, exportName: this.#exportNameIn(file, symbol) ?? symbol.getName() };
    }
    for (const [specifier, exports] of this.#bareSpecifierExports()) {
      const match = exports.find((exported) => resolveAlias(this.checker, exported) === symbol);
      if (match !== undefined) return { module: specifier, exportName: match.getName() };
    }
    const exportName = this.#exportNameIn(file, symbol) ?? symbol.getName();
    const pkg = this.packages.packageOf(file.fileName);
    if (pkg?.name !== undefined && isInstalledPackageFile(file.fileName)) {
      const inPackage = this.packages.pathInPackage(file.fileName, pkg);
      const entries = [pkg.json.types, pkg.json.typings].filter((entry) => typeof entry === "string");
      const isEntry = entries.some((entry) => String(entry).replace(/^\.\//, "") === inPackage);
      return {
        module: isEntry ? pkg.name : `${pkg.name}/${stripDeclarationExtension(inPackage)}`,
        exportName,
      };
    }
    return { module: `${stripDeclarationExtension(file.fileName)}.js`, exportName };
  }

  /** A stable, readable key for a file in definition ids: relative to cwd, or package-relative. */
  moduleKey(fileName: string): string {
    if (isInstalledPackageFile(fileName)) {
      const pkg = this.packages.packageOf(fileName);
      if (pkg?.name !== undefined) return `${pkg.name}/${this.packages.pathInPackage(fileName, pkg)}`;
    }
    const rel = relative(this.cwd, fileName).replaceAll("\\", "/");
    return rel.startsWith("..") || isAbsolute(rel) ? fileName : rel;
  }

  #exportNameIn(file: ts.SourceFile, symbol: ts.Symbol): string | undefined {
    const moduleSymbol = this.checker.getSymbolAtLocation(file);
    if (moduleSymbol === undefined) return undefined;
    return this.checker
      .getExportsOfModule(moduleSymbol)
      .find((exported) => resolveAlias(this.checker, exported) === symbol)
      ?.getName();
  }

  /** Each bare module specifier the user's files import or re-export from, with its exports. */
  #bareSpecifierExports(): Map<string, readonly ts.Symbol[]> {
    if (this.#specifierExports !== undefined) return this.#specifierExports;
    const found = new Map<string, readonly ts.Symbol[]>();
    for (const file of this.userFiles) {
      for (const statement of file.statements) {
        if (!ts.isImportDeclaration(statement) && !ts.isExportDeclaration(statement)) continue;
        const specifier = statement.moduleSpecifier;
        if (specifier === undefined || !ts.isStringLiteral(specifier)) continue;
        const text = specifier.text;
        if (found.has(text) || text.startsWith(".") || isAbsolute(text)) continue;
        const moduleSymbol = this.checker.getSymbolAtLocation(specifier);
        found.set(text, moduleSymbol === undefined ? [] : this.checker.getExportsOfModule(moduleSymbol));
      }
    }
    this.#specifierExports = found;
    return found;
  }
}

function stripDeclarationExtension(path: string): string {
  return path.replace(/\.d\.(m|c)?ts$/, "").replace(/\.(m|c)?tsx?$/, "");
}
