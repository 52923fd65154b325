import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { LimitError, ModelgateError } from "../../core/errors.js";

/**
 * Reads a dependency file as text. Opened non-blocking and checked to be a regular file first, so a FIFO or a
 * device named like a requirements file cannot hang or flood the reader; bigger than `maxBytes` → LimitError.
 * A UTF-8 BOM is dropped and UTF-16 files (what PowerShell's `pip freeze > requirements.txt` writes) are decoded,
 * as pip does.
 */
export async function readDependencyText(fsPath: string, shownAs: string, maxBytes: number): Promise<string> {
  let handle;
  try {
    handle = await open(fsPath, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw fileError(e, shownAs);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new ModelgateError("PATH_UNREADABLE", `${shownAs}: not a regular file`);
    if (stat.size > maxBytes) {
      throw new LimitError("maxBytes", stat.size, maxBytes, `${shownAs}: ${stat.size} bytes, more than the ${maxBytes}-byte limit for a dependency file`);
    }
    // Read at most maxBytes + 1 so a file that grows while we read is still caught.
    const buf = Buffer.alloc(Math.min(stat.size, maxBytes) + 1);
    let length = 0;
    while (length < buf.length) {
      const { bytesRead } = await handle.read(buf, length, buf.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) {
      throw new LimitError("maxBytes", length, maxBytes, `${shownAs}: more than the ${maxBytes}-byte limit for a dependency file`);
    }
    return decodeText(buf.subarray(0, length));
  } catch (e) {
    if (e instanceof ModelgateError) throw e;
    throw fileError(e, shownAs);
  } finally {
    await handle.close();
  }
}

export function decodeText(buf: Buffer): string {
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return new TextDecoder("utf-16le").decode(buf.subarray(2));
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) return new TextDecoder("utf-16be").decode(buf.subarray(2));
  const text = new TextDecoder("utf-8").decode(buf);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function fileError(e: unknown, shownAs: string): ModelgateError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT" || code === "ENOTDIR") return new ModelgateError("PATH_NOT_FOUND", `${shownAs}: no such file`, { cause: e });
  if (code === "EACCES" || code === "EPERM") return new ModelgateError("PATH_UNREADABLE", `${shownAs}: permission denied`, { cause: e });
  if (code === "EISDIR") return new ModelgateError("PATH_UNREADABLE", `${shownAs}: is a directory, not a dependency file`, { cause: e });
  return new ModelgateError("PATH_UNREADABLE", `${shownAs}: ${code ?? (e as Error).message}`, { cause: e });
}
