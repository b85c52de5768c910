/**
 * Which entries of a cache running executions use, so `formed cache gc` never removes one under
 * them. Each running execution has a file `<cache>/.live/uses.<host>.<pid>.<start>.<random>`
 * (its owner in the name, as scratch names have: owner.ts) and appends to it, synchronously,
 * every fingerprint it makes: the organizer records a step's fingerprint before the executor
 * asks the cache for it, so by the time a step can read an entry, the entry is named here. The
 * file goes when the execution ends; a killed run's file is recognised by its dead owner.
 *
 * A reader (gc) follows the files as they grow, reading only what was appended since it last
 * looked, so it can ask again before every removal.
 */
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { liveness } from "./owner.js";
import { ABANDONED_SCRATCH_MS, parseTempName, tempName } from "./temp-dirs.js";

export const LIVE_DIRECTORY = ".live";
const LABEL = "uses";

/** Registers left open when the process exits (an uncaught error, process.exit) are removed then. */
const openRegisters = new Set<LiveUses>();
let exitWatched = false;

/** The register of one running execution. */
export class LiveUses {
  readonly #path: string;
  readonly #seen = new Set<string>();
  #fd: number | undefined;

  private constructor(path: string, fd: number) {
    this.#path = path;
    this.#fd = fd;
  }

  /** Opens a new register in `cacheDirectory` (made when missing). */
  static open(cacheDirectory: string): LiveUses {
    const directory = join(cacheDirectory, LIVE_DIRECTORY);
    mkdirSync(directory, { recursive: true });
    removeDeadRegisters(directory);
    const path = join(directory, tempName(LABEL));
    const uses = new LiveUses(path, openSync(path, "wx"));
    openRegisters.add(uses);
    if (!exitWatched) {
      exitWatched = true;
      process.once("exit", () => {
        for (const register of [...openRegisters]) register.close();
      });
    }
    return uses;
  }

  /** Names `fingerprint` as used (once; one small write the first time). */
  add(fingerprint: string): void {
    if (this.#fd === undefined || this.#seen.has(fingerprint)) return;
    writeSync(this.#fd, `${fingerprint}\n`);
    this.#seen.add(fingerprint);
  }

  /** The execution ended: its uses end too. */
  close(): void {
    if (this.#fd === undefined) return;
    openRegisters.delete(this);
    closeSync(this.#fd);
    this.#fd = undefined;
    try {
      unlinkSync(this.#path);
    } catch {
      // already gone (the cache was cleared)
    }
  }
}

/**
 * Follows the registers of a cache: `has(fingerprint)` is true when a running execution (of this
 * host, alive; of another host, unless its register did not change for a day) named it.
 */
export class LiveUsesReader {
  readonly #directory: string;
  /** Per register file: how much was read, the fingerprints in it, and an unfinished last line. */
  readonly #files = new Map<string, { offset: number; uses: Set<string>; rest: string }>();

  constructor(cacheDirectory: string) {
    this.#directory = join(cacheDirectory, LIVE_DIRECTORY);
  }

  /**
   * Reads what was appended since the last look; forgets registers that are gone or whose owner
   * died. Returns how many registers ended since the last look (their executions ended: their
   * records are complete, since a register goes last).
   */
  refresh(): number {
    let names: string[];
    try {
      names = readdirSync(this.#directory);
    } catch {
      names = [];
    }
    const present = new Set(names);
    let ended = 0;
    for (const name of this.#files.keys()) {
      if (present.has(name)) continue;
      this.#files.delete(name);
      ended++;
    }
    for (const name of names) {
      const parsed = parseTempName(name);
      if (parsed?.label !== LABEL) continue;
      const path = join(this.#directory, name);
      const state = liveness(parsed.owner);
      const stats = statSync(path, { throwIfNoEntry: false });
      if (
        stats === undefined ||
        state === "dead" ||
        (state === "unknown" && stats.mtimeMs < Date.now() - ABANDONED_SCRATCH_MS)
      ) {
        this.#files.delete(name);
        // A dead run's register protects nothing: removed, as its other leftovers are.
        if (stats !== undefined && state === "dead") rmSync(path, { force: true });
        continue;
      }
      let file = this.#files.get(name);
      if (file === undefined) {
        file = { offset: 0, uses: new Set(), rest: "" };
        this.#files.set(name, file);
      }
      if (stats.size > file.offset) this.#readFrom(path, file, stats.size);
    }
    return ended;
  }

  /** Whether a running execution uses `fingerprint`, as of the last refresh. */
  has(fingerprint: string): boolean {
    for (const file of this.#files.values()) if (file.uses.has(fingerprint)) return true;
    return false;
  }

  /** Every fingerprint running executions use, as of the last refresh. */
  all(): Set<string> {
    const all = new Set<string>();
    for (const file of this.#files.values()) for (const use of file.uses) all.add(use);
    return all;
  }

  #readFrom(path: string, file: { offset: number; uses: Set<string>; rest: string }, size: number): void {
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch {
      return; // removed meanwhile: its execution ended
    }
    try {
      const buffer = Buffer.allocUnsafe(size - file.offset);
      const read = readSync(fd, buffer, 0, buffer.length, file.offset);
      file.offset += read;
      const lines = (file.rest + buffer.toString("utf8", 0, read)).split("\n");
      file.rest = lines.pop() ?? "";
      for (const line of lines) if (line !== "") file.uses.add(line);
    } finally {
      closeSync(fd);
    }
  }
}

/** The registers of this host's dead runs (killed: they could not remove theirs). */
function removeDeadRegisters(directory: string): void {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return;
  }
  for (const name of names) {
    const parsed = parseTempName(name);
    if (parsed?.label === LABEL && liveness(parsed.owner) === "dead")
      rmSync(join(directory, name), { force: true });
  }
}
