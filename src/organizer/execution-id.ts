import { randomBytes } from "node:crypto";
import { FormedError } from "../errors.js";

// An id names a folder (and an MLflow run name): no separators, no parent references, no spaces.
const VALID_ID = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function validateExecutionId(id: string): string {
  if (!VALID_ID.test(id) || id.includes("..")) {
    throw new FormedError(
      "E_EXECUTION",
      `invalid execution id ${JSON.stringify(id)}: expected 1-128 letters, digits, "_", "-" or "." (no "/", no "..", not starting with "." or "-")`,
    );
  }
  return id;
}

/** A new id that sorts by start time: `20261125-031500-a1b2c3`. */
export function newExecutionId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${stamp}-${randomBytes(3).toString("hex")}`;
}
