/**
 * Verdicts on file references stored inside a model (ONNX external_data "location", TensorFlow asset file names)
 * that a loader joins to the model's folder and opens. Pure string checks: the analyzer sees the model file only,
 * so it cannot tell whether a name inside the folder is a symbolic link — that is checked when the folder itself
 * is scanned (links are reported by the scan).
 */

export type LocationVerdict =
  /** A relative path that stays inside the model's folder. */
  | { kind: "inside"; normalized: string }
  /** Absolute, drive or UNC path, or `..` that climbs out of the folder (CWE-22). */
  | { kind: "escapes"; reason: string }
  /** Not a plain relative file name: URL, home-relative, device name, control characters, empty or huge. */
  | { kind: "suspicious"; reason: string };

const MAX_LOCATION_CHARS = 4096;
const WINDOWS_DEVICES = /^(con|prn|aux|nul|com[0-9]|lpt[0-9]|conin\$|conout\$)(\..*)?$/i;

export function classifyLocation(location: string): LocationVerdict {
  if (location.length === 0) return { kind: "suspicious", reason: "empty location" };
  if (location.length > MAX_LOCATION_CHARS) return { kind: "suspicious", reason: `location is ${location.length} characters long` };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(location)) return { kind: "suspicious", reason: "control character in location" };
  if (location.startsWith("/") || location.startsWith("\\")) return { kind: "escapes", reason: "absolute path" };
  if (/^[A-Za-z]:/.test(location)) return { kind: "escapes", reason: "Windows drive path" };
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(location)) return { kind: "suspicious", reason: "URL or scheme-prefixed location" };
  if (location.startsWith("~")) return { kind: "suspicious", reason: "home-directory reference" };
  const parts = location.split(/[\\/]+/);
  const out: string[] = [];
  for (const part of parts) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length === 0) return { kind: "escapes", reason: "'..' climbs out of the model folder" };
      out.pop();
      continue;
    }
    if (WINDOWS_DEVICES.test(part)) return { kind: "suspicious", reason: `Windows device name '${part}'` };
    out.push(part);
  }
  if (out.length === 0) return { kind: "suspicious", reason: "location names the model folder itself" };
  return { kind: "inside", normalized: out.join("/") };
}
