/**
 * PEP 508 dependency specifiers: `name [extras] (specifiers | @ url) ; marker`.
 *
 * Why not an npm library: the one maintained PEP 508 parser on npm, pip-requirements-js (1.0.x), is built on the
 * Ohm parser generator (a sizeable runtime dependency), throws on the first syntax error of a whole file and does
 * not model pip's per-line options (--hash, -e, index options). What we need is small and must report every line
 * it cannot read rather than stop, so this is a hand-written scanner that follows the grammar in PEP 508 (and the
 * packaging project's lenient extras: parenthesised specifier sets, legacy `os.name`-style marker variables).
 */
import { MalformedError } from "../../core/errors.js";

export interface Pep508Requirement {
  /** The name as written. */
  name: string;
  extras: string[];
  /** Specifier clauses joined with `,`, whitespace removed; "" for any version. */
  specifier: string;
  /** One entry per clause, e.g. [{op: ">=", version: "1.2"}]. */
  clauses: SpecifierClause[];
  /** Direct reference (`name @ url`), as written. */
  url?: string;
  /** The marker text after `;`, trimmed, as written (validated, not evaluated). */
  marker?: string;
}

export interface SpecifierClause {
  op: SpecifierOp;
  version: string;
}

export type SpecifierOp = "~=" | "==" | "!=" | "<=" | ">=" | "<" | ">" | "===";

/** A PEP 508 string that does not follow the grammar; `column` is 0-based in the parsed text. */
export class Pep508Error extends MalformedError {
  readonly column: number;
  constructor(message: string, column: number) {
    super(message);
    this.name = "Pep508Error";
    this.column = column;
  }
}

const OPS: readonly SpecifierOp[] = ["===", "~=", "==", "!=", "<=", ">=", "<", ">"];

const MARKER_VARIABLES = new Set([
  "python_version",
  "python_full_version",
  "os_name",
  "sys_platform",
  "platform_release",
  "platform_system",
  "platform_version",
  "platform_machine",
  "platform_python_implementation",
  "implementation_name",
  "implementation_version",
  "extra",
  "extras",
  "dependency_groups",
  // Legacy spellings still accepted by the packaging library.
  "os.name",
  "sys.platform",
  "platform.version",
  "platform.machine",
  "platform.python_implementation",
  "python_implementation",
]);

function isAlnum(c: string | undefined): boolean {
  if (c === undefined || c.length !== 1) return false;
  const x = c.charCodeAt(0);
  return (x >= 48 && x <= 57) || (x >= 65 && x <= 90) || (x >= 97 && x <= 122);
}

function isSpace(c: string | undefined): boolean {
  return c === " " || c === "\t";
}

function isVersionChar(c: string | undefined): boolean {
  return isAlnum(c) || c === "-" || c === "_" || c === "." || c === "*" || c === "+" || c === "!";
}

class Scanner {
  pos = 0;
  constructor(readonly text: string) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }
  peek(offset = 0): string | undefined {
    return this.text[this.pos + offset];
  }
  skipSpace(): boolean {
    const start = this.pos;
    while (isSpace(this.peek())) this.pos++;
    return this.pos > start;
  }
  startsWith(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }
  fail(message: string, at = this.pos): never {
    throw new Pep508Error(message, at);
  }
  describeHere(): string {
    if (this.done) return "end of text";
    return JSON.stringify(this.text.slice(this.pos, this.pos + 12));
  }
}

/** Reads a name (PEP 508 identifier); returns "" when none starts here. */
function readIdentifier(s: Scanner): string {
  const start = s.pos;
  if (!isAlnum(s.peek())) return "";
  s.pos++;
  while (true) {
    const c = s.peek();
    if (isAlnum(c)) {
      s.pos++;
      continue;
    }
    if (c === "-" || c === "_" || c === ".") {
      let look = s.pos;
      while (s.text[look] === "-" || s.text[look] === "_" || s.text[look] === ".") look++;
      if (isAlnum(s.text[look])) {
        s.pos = look;
        continue;
      }
    }
    break;
  }
  return s.text.slice(start, s.pos);
}

function readExtras(s: Scanner): string[] {
  const extras: string[] = [];
  // caller saw "["
  s.pos++;
  s.skipSpace();
  if (s.peek() === "]") {
    s.pos++;
    return extras;
  }
  while (true) {
    s.skipSpace();
    const extra = readIdentifier(s);
    if (!extra) s.fail(`expected an extra name, found ${s.describeHere()}`);
    extras.push(extra);
    s.skipSpace();
    const c = s.peek();
    if (c === ",") {
      s.pos++;
      continue;
    }
    if (c === "]") {
      s.pos++;
      return extras;
    }
    s.fail(`expected "," or "]" in extras, found ${s.describeHere()}`);
  }
}

function readOp(s: Scanner): SpecifierOp | undefined {
  for (const op of OPS) {
    if (s.startsWith(op)) {
      s.pos += op.length;
      return op;
    }
  }
  return undefined;
}

function readVersion(s: Scanner, op: SpecifierOp): string {
  s.skipSpace();
  const start = s.pos;
  if (op === "===") {
    // Arbitrary equality: any run of characters up to whitespace, ",", ";" or ")".
    while (!s.done && !isSpace(s.peek()) && s.peek() !== "," && s.peek() !== ";" && s.peek() !== ")") s.pos++;
  } else {
    while (isVersionChar(s.peek())) s.pos++;
  }
  const version = s.text.slice(start, s.pos);
  if (!version) s.fail(`expected a version after "${op}", found ${s.describeHere()}`);
  if (op !== "===") checkVersion(s, op, version, start);
  return version;
}

/** The PEP 440 shape of a version in a clause: digits first, `.*` only after `==`/`!=`, `~=` needs two parts. */
function checkVersion(s: Scanner, op: SpecifierOp, version: string, at: number): void {
  const body = version.replace(/^v/i, "");
  if (!/^(\d+!)?\d/.test(body)) s.fail(`"${version}" is not a PEP 440 version`, at);
  const star = version.indexOf("*");
  if (star >= 0) {
    if (op !== "==" && op !== "!=") s.fail(`a wildcard version is only allowed after "==" or "!=" (got "${op}${version}")`, at);
    if (!version.endsWith(".*") || star !== version.length - 1 || version.includes("+")) {
      s.fail(`"${version}": a wildcard must be a final ".*" on a release`, at);
    }
  }
  if (op === "~=" && !/^(\d+!)?\d+(\.\d+)+/.test(body)) s.fail(`"~=${version}" needs at least two release parts`, at);
}

function readSpecifierSet(s: Scanner): SpecifierClause[] {
  const clauses: SpecifierClause[] = [];
  while (true) {
    s.skipSpace();
    const opAt = s.pos;
    const op = readOp(s);
    if (!op) {
      if (clauses.length === 0) return clauses;
      s.fail(`expected a version operator after ",", found ${s.describeHere()}`, opAt);
    }
    clauses.push({ op, version: readVersion(s, op) });
    s.skipSpace();
    if (s.peek() !== ",") return clauses;
    s.pos++;
  }
}

type MarkerToken =
  | { kind: "str"; at: number }
  | { kind: "var"; at: number }
  | { kind: "op"; at: number }
  | { kind: "and" | "or" | "(" | ")"; at: number };

function tokenizeMarker(text: string, base: number): MarkerToken[] {
  const tokens: MarkerToken[] = [];
  let i = 0;
  const fail = (message: string): never => {
    throw new Pep508Error(message, base + i);
  };
  while (i < text.length) {
    const c = text[i]!;
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === "(" || c === ")") {
      tokens.push({ kind: c, at: base + i });
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) fail("unterminated string in marker");
      tokens.push({ kind: "str", at: base + i });
      i = end + 1;
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (op) {
      tokens.push({ kind: "op", at: base + i });
      i += op.length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i, i + 64))?.[0];
    if (!word) fail(`unexpected ${JSON.stringify(c)} in marker`);
    const at = base + i;
    i += word!.length;
    if (word === "and" || word === "or") tokens.push({ kind: word, at });
    else if (word === "in") tokens.push({ kind: "op", at });
    else if (word === "not") {
      const m = /^[ \t]+in(?![A-Za-z0-9_.])/.exec(text.slice(i, i + 64));
      if (!m) fail(`expected "not in" in marker`);
      i += m![0].length;
      tokens.push({ kind: "op", at });
    } else if (MARKER_VARIABLES.has(word!)) tokens.push({ kind: "var", at });
    else throw new Pep508Error(`unknown marker variable "${word}"`, at);
  }
  return tokens;
}

/** Validates marker syntax (or/and of `value op value` and parentheses); throws Pep508Error. */
export function checkMarker(text: string, base = 0): void {
  const tokens = tokenizeMarker(text, base);
  let i = 0;
  let depth = 0;
  const end = base + text.length;
  const fail = (message: string, at: number): never => {
    throw new Pep508Error(message, at);
  };
  const expr = (): void => {
    const t = tokens[i];
    if (!t) fail("marker ends where an expression was expected", end);
    if (t!.kind === "(") {
      i++;
      if (++depth > 32) fail("marker nests too deep", t!.at);
      orExpr();
      const close = tokens[i];
      if (close?.kind !== ")") fail(`expected ")" in marker`, close?.at ?? end);
      depth--;
      i++;
      return;
    }
    if (t!.kind !== "var" && t!.kind !== "str") fail("expected a marker variable or a quoted string", t!.at);
    i++;
    const op = tokens[i];
    if (op?.kind !== "op") fail("expected a comparison operator in marker", op?.at ?? end);
    i++;
    const rhs = tokens[i];
    if (rhs?.kind !== "var" && rhs?.kind !== "str") fail("expected a marker variable or a quoted string", rhs?.at ?? end);
    i++;
  };
  const andExpr = (): void => {
    expr();
    while (tokens[i]?.kind === "and") {
      i++;
      expr();
    }
  };
  const orExpr = (): void => {
    andExpr();
    while (tokens[i]?.kind === "or") {
      i++;
      andExpr();
    }
  };
  orExpr();
  if (i < tokens.length) fail("unexpected text after marker", tokens[i]!.at);
}

function readMarker(s: Scanner): string {
  // caller saw ";"
  s.pos++;
  const start = s.pos;
  const text = s.text.slice(start);
  const marker = text.trim();
  if (!marker) s.fail('expected a marker after ";"');
  checkMarker(text, start);
  s.pos = s.text.length;
  return marker;
}

/** Parses one PEP 508 requirement; throws Pep508Error (a MalformedError) pointing at the offending column. */
export function parsePep508(text: string): Pep508Requirement {
  const s = new Scanner(text);
  s.skipSpace();
  const nameAt = s.pos;
  const name = readIdentifier(s);
  if (!name) s.fail(`expected a package name, found ${s.describeHere()}`, nameAt);
  s.skipSpace();
  let extras: string[] = [];
  if (s.peek() === "[") {
    extras = readExtras(s);
    s.skipSpace();
  }
  const req: Pep508Requirement = { name, extras, specifier: "", clauses: [] };
  if (s.peek() === "@") {
    s.pos++;
    s.skipSpace();
    const urlAt = s.pos;
    while (!s.done && !isSpace(s.peek())) s.pos++;
    const url = s.text.slice(urlAt, s.pos);
    if (!url) s.fail('expected a URL after "@"');
    req.url = url;
    const hadSpace = s.skipSpace();
    if (!s.done) {
      if (s.peek() !== ";" || !hadSpace) s.fail(`expected whitespace and ";" before a marker after the URL, found ${s.describeHere()}`);
      req.marker = readMarker(s);
    }
    return req;
  }
  if (s.peek() === "(") {
    const open = s.pos;
    s.pos++;
    req.clauses = readSpecifierSet(s);
    s.skipSpace();
    if (s.peek() !== ")") s.fail(`expected ")" to close the specifier opened at column ${open + 1}, found ${s.describeHere()}`);
    s.pos++;
  } else {
    req.clauses = readSpecifierSet(s);
  }
  req.specifier = req.clauses.map((c) => c.op + c.version).join(",");
  s.skipSpace();
  if (s.peek() === ";") req.marker = readMarker(s);
  if (!s.done) s.fail(`unexpected ${s.describeHere()}`);
  return req;
}

/** The pinned version of a specifier set: the version of its `==X` (no wildcard) or `===X` clause. */
export function pinnedVersion(clauses: readonly SpecifierClause[]): string | undefined {
  for (const c of clauses) {
    if (c.op === "===" || (c.op === "==" && !c.version.endsWith(".*"))) return c.version;
  }
  return undefined;
}

/** Parses a bare specifier set such as ">=1.2, <2" (as in Pipfile.lock or Poetry's PEP 440 constraints). */
export function parseSpecifierSet(text: string): SpecifierClause[] {
  const s = new Scanner(text);
  const clauses = readSpecifierSet(s);
  s.skipSpace();
  if (!s.done) s.fail(`unexpected ${s.describeHere()} in specifier`);
  return clauses;
}
