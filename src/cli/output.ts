import { writeFile } from "node:fs/promises";
import { ModelgateError } from "../core/errors.js";
import { EXIT } from "./exit-codes.js";

/**
 * Writes a command's report to `output` (a file) or to standard output. A file that cannot be written is said on
 * standard error; returns false then (the command exits 2).
 */
export async function writeReport(text: string, output: string | undefined): Promise<boolean> {
  if (output === undefined) {
    process.stdout.write(text);
    return true;
  }
  try {
    await writeFile(output, text);
    return true;
  } catch (e) {
    process.stderr.write(`modelgate: cannot write the report to ${output}: ${(e as Error).message}\n`);
    return false;
  }
}

/** Colours for a text report: only on a terminal, not to a file, not with --no-color or NO_COLOR. */
export function useColor(opts: { color?: boolean }, toFile: boolean): boolean {
  return !toFile && opts.color !== false && process.stdout.isTTY === true && !process.env.NO_COLOR;
}

/** A ModelgateError (bad input, usage) becomes its message on standard error and exit 2; anything else is a bug. */
export function exitForError(e: unknown): number {
  if (e instanceof ModelgateError) {
    process.stderr.write(`modelgate: ${e.message}\n`);
    return EXIT.USAGE;
  }
  throw e;
}
