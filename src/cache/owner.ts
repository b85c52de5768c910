/**
 * Who owns a lock or a scratch file of the cache, and whether that owner still runs. Lock
 * folders and scratch names carry their owner as `<host>.<pid>.<start>` so that a later
 * process can tell a leftover of a dead run (removed at once) from a live run's (never
 * touched), instead of waiting for a staleness timeout.
 */
import { createHash } from "node:crypto";
import { readFileSync, readlinkSync } from "node:fs";
import { hostname } from "node:os";

export interface Owner {
  /**
   * The host, as a token without dots: the hostname, and on Linux a hash of the boot id and the
   * pid namespace. Pids are comparable only between equal tokens: two containers may share a
   * hostname or a volume but not a pid namespace, and a reboot reuses every pid.
   */
  readonly host: string;
  readonly pid: number;
  /**
   * The process's start time in clock ticks since boot (Linux, /proc/<pid>/stat), "x" where
   * unknown: a pid reused by another process has another start time.
   */
  readonly start: string;
}

/** alive: certainly running; dead: certainly not; unknown: another host, or a pid we cannot verify. */
export type Liveness = "alive" | "dead" | "unknown";

export const UNKNOWN_START = "x";

let self: Owner | undefined;

/** This process, computed once (three small reads on Linux). */
export function selfOwner(): Owner {
  self ??= { host: hostToken(), pid: process.pid, start: procStat(process.pid)?.start ?? UNKNOWN_START };
  return self;
}

/** `<host>.<pid>.<start>`, the owner part of lock markers and scratch names. */
export function ownerTag(owner: Owner = selfOwner()): string {
  return `${owner.host}.${owner.pid}.${owner.start}`;
}

/** Whether `owner` runs. Only a process of this host (same token) can be judged. */
export function liveness(owner: Owner): Liveness {
  const me = selfOwner();
  if (owner.host !== me.host) return "unknown";
  if (owner.pid === me.pid) return owner.start === me.start ? "alive" : "dead";
  if (owner.start !== UNKNOWN_START && me.start !== UNKNOWN_START) {
    const stat = procStat(owner.pid);
    // A zombie (killed, not yet reaped by its parent) runs no more code: it holds nothing.
    if (stat === undefined || stat.state === "Z" || stat.state === "X") return "dead";
    return stat.start === owner.start ? "alive" : "dead";
  }
  // No /proc (macOS): the pid tells, but a reused pid looks alive, so it is not proof.
  return isAlive(owner.pid) ? "unknown" : "dead";
}

/** Whether `pid` is a live process (EPERM: alive, but another user's). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** State and start time of a process from /proc; undefined when it does not exist (or there is no /proc). */
function procStat(pid: number): { state: string; start: string } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // `pid (comm) state ...`: comm may hold spaces and parentheses, so fields count from the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const start = fields[19]; // field 22 of proc(5); fields[0] is field 3
  if (fields[0] === undefined || start === undefined || !/^\d+$/.test(start)) return undefined;
  return { state: fields[0], start };
}

function hostToken(): string {
  const name = hostname().replace(/[^A-Za-z0-9-]/g, "-") || "host";
  const boot = readOr(() => readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim());
  const namespace = readOr(() => readlinkSync("/proc/self/ns/pid"));
  if (boot === undefined && namespace === undefined) return name;
  const hash = createHash("sha256").update(`${boot}\n${namespace}`).digest("hex").slice(0, 8);
  return `${name}-${hash}`;
}

function readOr(read: () => string): string | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
