/** PEP 503 / PEP 508 package names. */

/** Lower case, runs of `-`, `_` and `.` become one `-` (PEP 503). */
export function normalizePackageName(name: string): string {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

/** True for a valid PEP 508 distribution name (letters, digits, `-_.`, starting and ending alphanumeric). */
export function isValidPackageName(name: string): boolean {
  return name.length <= 256 && NAME.test(name);
}
