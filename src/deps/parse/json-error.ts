/**
 * Where JSON text first breaks the grammar (RFC 8259), for error messages. Node 20's JSON.parse does not always
 * say ("Unexpected token ',', …"), and quotes the input when it does not; this iterative checker (no recursion,
 * so deep nesting is fine) finds the offset and names what was expected. Only called after JSON.parse failed.
 */
export interface JsonSyntaxProblem {
  offset: number;
  message: string;
}

const WS = new Set([" ", "\t", "\n", "\r"]);

export function findJsonSyntaxError(text: string): JsonSyntaxProblem {
  let i = 0;
  const stack: { kind: "{" | "["; n: number; afterComma: boolean }[] = [];
  const fail = (message: string, at = i): JsonSyntaxProblem => ({ offset: at, message });
  const describe = (): string => (i >= text.length ? "end of input" : JSON.stringify(text[i]));
  const skipWs = (): void => {
    while (i < text.length && WS.has(text[i]!)) i++;
  };
  /** Reads one scalar or opens a container; returns a problem or undefined. */
  const value = (): JsonSyntaxProblem | undefined => {
    skipWs();
    const c = text[i];
    if (c === "{" || c === "[") {
      stack.push({ kind: c, n: 0, afterComma: false });
      i++;
      return undefined;
    }
    if (c === '"') return string();
    const lit = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (!lit || lit[0].length === 0) return fail(`expected a value, found ${describe()}`);
    i += lit[0].length;
    return undefined;
  };
  const string = (): JsonSyntaxProblem | undefined => {
    const start = i;
    i++;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return undefined;
      }
      if (c < 0x20) return fail("control character in string");
      if (c === 92) {
        const n = text[i + 1];
        if (n === "u") {
          if (!/^[0-9A-Fa-f]{4}$/.test(text.slice(i + 2, i + 6))) return fail("bad \\u escape in string");
          i += 6;
          continue;
        }
        if (n === undefined || !'"\\/bfnrt'.includes(n)) return fail("bad escape in string");
        i += 2;
        continue;
      }
      i++;
    }
    return fail("unterminated string", start);
  };
  let problem = value();
  if (problem) return problem;
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    skipWs();
    const close = top.kind === "{" ? "}" : "]";
    if (!top.afterComma) {
      if (text[i] === close) {
        stack.pop();
        i++;
        continue;
      }
      if (top.n > 0) {
        if (text[i] !== ",") return fail(`expected "," or "${close}", found ${describe()}`);
        i++;
        top.afterComma = true;
        continue;
      }
    }
    top.afterComma = false;
    top.n++;
    if (top.kind === "{") {
      skipWs();
      if (text[i] !== '"') return fail(`expected a double-quoted key, found ${describe()}`);
      problem = string();
      if (problem) return problem;
      skipWs();
      if (text[i] !== ":") return fail(`expected ":" after a key, found ${describe()}`);
      i++;
    }
    problem = value();
    if (problem) return problem;
  }
  skipWs();
  if (i < text.length) return fail(`unexpected ${describe()} after the end of the document`);
  return fail("invalid JSON", text.length);
}
