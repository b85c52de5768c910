/** Step names are free text in config; as folder names, keep them readable but safe. */
export function encodeStepName(name: string): string {
  const percent = (char: string) => `%${char.charCodeAt(0).toString(16).padStart(2, "0")}`;
  // A leading dot is escaped too, so no name can be "." or ".." or a hidden folder.
  return name.replace(/[^A-Za-z0-9_.!-]/g, percent).replace(/^\./, percent);
}
