/**
 * tsconfig `paths` and `baseUrl`, read the way tsx reads them (get-tsconfig, `extends`
 * included): the nearest tsconfig.json of the importing file decides, as it does for tsx.
 */
import { getTsconfigPackage } from "../../common/lazy-packages.js";

type Matcher = (specifier: string) => string[];

export class TsconfigPaths {
  readonly #byDirectory = new Map<string, Matcher | null>();
  /** get-tsconfig's own cache of files read, shared by every directory's lookup. */
  readonly #cache = new Map<string, unknown>();

  /** Paths a bare `specifier` imported from a file in `directory` may mean, most specific first. */
  candidates(specifier: string, directory: string): string[] {
    let matcher = this.#byDirectory.get(directory);
    if (matcher === undefined) {
      matcher = this.#matcher(directory);
      this.#byDirectory.set(directory, matcher);
    }
    return matcher === null ? [] : matcher(specifier);
  }

  #matcher(directory: string): Matcher | null {
    try {
      const { createPathsMatcher, getTsconfig } = getTsconfigPackage();
      const config = getTsconfig(directory, "tsconfig.json", this.#cache);
      return config === null ? null : createPathsMatcher(config);
    } catch {
      // A malformed tsconfig.json: tsx would fail on it too; the import is then a package.
      return null;
    }
  }
}
