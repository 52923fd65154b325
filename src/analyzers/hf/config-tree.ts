import { LimitError } from "../../core/errors.js";

/** Deepest nesting of a parsed configuration that is walked; deeper content is a limit finding. */
export const MAX_CONFIG_DEPTH = 512;

/** A position in a parsed JSON/YAML value: the chain of keys (array indexes as numbers) from the root. */
export interface ConfigPath {
  readonly parent: ConfigPath | undefined;
  readonly key: string | number;
}

/** Renders a path as `a.b[2].c` (keys that are not identifiers are quoted). */
export function formatPath(path: ConfigPath | undefined): string {
  const parts: Array<string | number> = [];
  for (let p = path; p; p = p.parent) parts.push(p.key);
  parts.reverse();
  let out = "";
  for (const k of parts) {
    if (typeof k === "number") out += `[${k}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(k)) out += out === "" ? k : `.${k}`;
    else out += `[${JSON.stringify(k)}]`;
  }
  return out === "" ? "(root)" : out;
}

/** The nearest enclosing object key (array indexes skipped): what a value "is called". */
export function nearestKey(path: ConfigPath | undefined): string | undefined {
  for (let p = path; p; p = p.parent) if (typeof p.key === "string") return p.key;
  return undefined;
}

export function pathIncludesKey(path: ConfigPath | undefined, key: string): boolean {
  for (let p = path; p; p = p.parent) if (p.key === key) return true;
  return false;
}

export type ConfigObject = Record<string, unknown>;

export function isConfigObject(v: unknown): v is ConfigObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export interface ConfigVisitor {
  /** Called for every object (after the root check), with its own path. */
  object?(value: ConfigObject, path: ConfigPath | undefined): void;
  /** Called for every string value (object member or array element). */
  string?(value: string, path: ConfigPath): void;
}

/**
 * Visits every object and string of a parsed configuration, iteratively (hostile input can nest
 * deeply: JSON.parse accepts it, recursion would not). Throws LimitError past MAX_CONFIG_DEPTH.
 * `tick` is called every few thousand nodes so the caller can enforce its deadline.
 */
export function walkConfig(root: unknown, visitor: ConfigVisitor, tick?: () => void): void {
  const onString = visitor.string;
  const stack: Array<{ value: object; path: ConfigPath | undefined; depth: number }> = [];
  let visited = 0;
  // Strings are visited where they are found; only containers go on the stack (vocabularies hold
  // hundreds of thousands of strings and numbers).
  const child = (value: unknown, path: ConfigPath, depth: number): void => {
    if (typeof value === "string") {
      onString?.(value, path);
    } else if (typeof value === "object" && value !== null) {
      stack.push({ value, path, depth });
    }
  };
  if (typeof root === "object" && root !== null) stack.push({ value: root, path: undefined, depth: 0 });
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (depth >= MAX_CONFIG_DEPTH) {
      throw new LimitError("maxConfigDepth", depth, MAX_CONFIG_DEPTH, `configuration nested deeper than ${MAX_CONFIG_DEPTH} levels`);
    }
    const start = stack.length;
    if (Array.isArray(value)) {
      visited += value.length + 1;
      for (let i = 0; i < value.length; i++) {
        const v: unknown = value[i];
        if (onString !== undefined || (typeof v === "object" && v !== null)) child(v, { parent: path, key: i }, depth + 1);
      }
    } else {
      visitor.object?.(value as ConfigObject, path);
      const keys = Object.keys(value);
      visited += keys.length + 1;
      for (const k of keys) {
        const v = (value as ConfigObject)[k];
        if (onString !== undefined || (typeof v === "object" && v !== null)) child(v, { parent: path, key: k }, depth + 1);
      }
    }
    // Children were pushed in order; reverse them so they are visited in document order.
    for (let i = start, j = stack.length - 1; i < j; i++, j--) [stack[i], stack[j]] = [stack[j]!, stack[i]!];
    if (visited >= 65536) {
      visited = 0;
      tick?.();
    }
  }
}
