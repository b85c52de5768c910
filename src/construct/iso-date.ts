/**
 * Dates come from config as ISO 8601 strings: a date, optionally with a time and a zone. The
 * pattern is shared with the JSON Schema so that what the validator accepts the schema accepts.
 */
export const ISO_DATE_PATTERN =
  "^\\d{4}-\\d{2}-\\d{2}([Tt ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?([Zz]|[+-]\\d{2}:?\\d{2})?)?$";
const isoDate = new RegExp(ISO_DATE_PATTERN);

export function isIsoDate(value: unknown): value is string {
  return typeof value === "string" && isoDate.test(value) && !Number.isNaN(Date.parse(value));
}
