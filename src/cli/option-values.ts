/**
 * Values of options the commands on executions and the cache read themselves, so that a bad one
 * is bad input (one message, exit status 1) like an unknown execution id, not a usage error.
 */
import { FormedError, type FormedErrorCode } from "../errors.js";

export function parseCount(text: string, option: string, code: FormedErrorCode): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) {
    throw new FormedError(code, `${option} expects a whole number of 0 or more, got ${JSON.stringify(text)}`);
  }
  return value;
}

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** `30d`, `12h`, `90m`, `45s`, `2w`, `1.5h` in milliseconds. */
export function parseDuration(text: string, option: string, code: FormedErrorCode): number {
  const match = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(text.trim());
  if (match === null) {
    throw new FormedError(
      code,
      `${option} expects a duration such as 30d, 12h, 90m, 45s or 2w, got ${JSON.stringify(text)}`,
    );
  }
  return Number(match[1]) * (UNIT_MS[match[2] as string] ?? 0);
}
