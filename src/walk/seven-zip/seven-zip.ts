/**
 * 7-Zip compiled to WebAssembly (the `7z-wasm` package) decodes what node:zlib cannot: 7z archives, xz,
 * lzma-alone and bzip2 streams, and the rarer zip methods (bzip2, LZMA, xz, Deflate64 members).
 *
 * Why this one library: it is the only well-kept package that reads 7z at all, and the same engine covers xz,
 * lzma and bzip2, so one dependency (no native build, no transitive code beyond a tiny CLI helper) replaces
 * the three or four single-format decoders (xz-decompress, seek-bzip, lzma-purejs…). The pure-JS decoders
 * either decode a whole buffer at once or have no output hook, which makes a bomb impossible to stop early.
 * Here every write 7-Zip makes goes through Emscripten's FS.write, which we wrap: the write hook counts bytes
 * and makes the write fail the moment a limit is crossed, and 7-Zip then stops. The wasm heap (dictionaries,
 * buffers) is capped by refusing heap growth past `WASM_HEAP_CAP`, so a header that asks for a 4 GiB
 * dictionary fails with "cannot allocate memory" instead of taking the machine's memory.
 *
 * Each call gets a fresh instance of the module (the compiled code is shared), so nothing survives from
 * one archive to the next and a crash inside 7-Zip (it throws C++ exceptions as numbers) cannot poison
 * later calls. Calls are synchronous: 7-Zip runs to completion on the event loop.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import sevenZipPackage from "7z-wasm";
import type { SevenZipModule, SevenZipModuleOptions } from "7z-wasm";

/** Largest wasm heap 7-Zip may grow to (dictionaries and working buffers; extracted data lives outside it). */
export const WASM_HEAP_CAP = 768 * 1024 * 1024;

const OUT_DIR = "/out";

/** The slice of the WebAssembly API used here (the project's lib settings do not declare it). */
interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: unknown): Promise<WasmInstance>;
}
type WasmModule = { readonly __wasmModule: unique symbol };
type WasmInstance = { readonly __wasmInstance: unique symbol };
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: Promise<WasmModule> | undefined;

function compiledModule(): Promise<WasmModule> {
  compiled ??= (async () => {
    const require = createRequire(import.meta.url);
    const bytes = await readFile(require.resolve("7z-wasm/7zz.wasm"));
    return wasmApi.compile(bytes);
  })();
  return compiled;
}

type WasmImports = { env: Record<string, unknown>; wasi_snapshot_preview1: Record<string, unknown> };

/** Emscripten's FS as 7z-wasm exposes it, with the members its typings leave out. */
type FsWrite = (stream: { path?: string }, buffer: ArrayBufferView, offset: number, length: number, position?: number, canOwn?: boolean) => number;
type EmscriptenFs = Omit<SevenZipModule["FS"], "write"> & {
  ErrnoError: new (errno: number) => Error;
  write: FsWrite;
};

interface Instance {
  FS: EmscriptenFs;
  callMain(args: string[]): number;
  log: string[];
}

async function createInstance(): Promise<Instance> {
  const wasm = await compiledModule();
  const log: string[] = [];
  const options = {
    noInitialRun: true,
    print: (s: string) => log.push(s),
    printErr: (s: string) => log.push(s),
    // 7-Zip never gets to prompt: every call passes -p and -y; stdin reads as end of file all the same.
    stdin: () => null,
    instantiateWasm(imports: WasmImports, done: (instance: WasmInstance, module: WasmModule) => void) {
      const resize = imports.env["emscripten_resize_heap"] as (size: number) => boolean;
      const env = { ...imports.env, emscripten_resize_heap: (size: number) => (size >>> 0 > WASM_HEAP_CAP ? false : resize(size)) };
      const linked = { env, wasi_snapshot_preview1: imports.wasi_snapshot_preview1 };
      void wasmApi.instantiate(wasm, linked).then((instance) => done(instance, wasm));
      return {};
    },
  } as unknown as Partial<SevenZipModuleOptions>;
  const module = await sevenZipPackage.default(options);
  return { FS: module.FS as EmscriptenFs, callMain: (args) => module.callMain(args) as unknown as number, log };
}

/** How a 7-Zip run ended: its exit code (0 ok, 1 warning, 2 error, 8 out of memory) or a crash. */
export interface SevenZipRun {
  exitCode: number | "crashed";
  /** 7-Zip's own lines that report errors and warnings. */
  messages: string[];
}

function runMain(inst: Instance, args: string[]): SevenZipRun {
  let exitCode: number | "crashed";
  // Emscripten's exit path sets process.exitCode to 7-Zip's code: the CLI's own exit code must not change.
  const savedExitCode = process.exitCode;
  try {
    const rc = inst.callMain(args);
    exitCode = typeof rc === "number" ? rc : 0;
  } catch {
    exitCode = "crashed";
  } finally {
    process.exitCode = savedExitCode;
  }
  const messages = inst.log.map((l) => l.trim()).filter((l) => /error|warning|can ?not|wrong password|unexpected|unsupported|dangerous|crc failed|data after the end/i.test(l));
  return { exitCode, messages };
}

export type SevenZipType = "7z" | "xz" | "bzip2" | "lzma" | "zip";

const INPUT_NAME: Record<SevenZipType, string> = { "7z": "/in.7z", xz: "/in.xz", bzip2: "/in.bz2", lzma: "/in.lzma", zip: "/in.zip" };

/** One entry of a 7z listing (`7z l -slt`). */
export interface SevenZipEntry {
  path: string;
  isDir: boolean;
  isLink: boolean;
  encrypted: boolean;
  size: number | undefined;
  method: string;
  /** Unix mode string from the attributes (`-rw-r--r--`, `lrwxrwxrwx`, `crw-…`), when stored. */
  mode: string | undefined;
}

function parseListing(lines: string[]): SevenZipEntry[] {
  const entries: SevenZipEntry[] = [];
  let cur: Record<string, string> | undefined;
  const flush = () => {
    if (!cur || cur["Path"] === undefined) return;
    const attrs = cur["Attributes"] ?? "";
    const mode = /\s([-dlcbps][-rwxsStT]{9})$/.exec(attrs)?.[1];
    const size = cur["Size"] !== undefined && /^\d+$/.test(cur["Size"]) ? Number(cur["Size"]) : undefined;
    entries.push({
      path: cur["Path"],
      isDir: cur["Folder"] === "+" || attrs.startsWith("D"),
      isLink: mode?.startsWith("l") ?? false,
      encrypted: cur["Encrypted"] === "+",
      size,
      method: cur["Method"] ?? "",
      mode,
    });
  };
  for (const line of lines) {
    const m = /^([A-Za-z][A-Za-z ]*?) = (.*)$/.exec(line);
    if (!m) continue;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === "Path") {
      flush();
      cur = {};
    }
    if (cur) cur[key] = value;
  }
  flush();
  return entries;
}

/** Lists a 7z archive without extracting it. */
export async function sevenZipList(data: Buffer, type: SevenZipType): Promise<{ run: SevenZipRun; entries: SevenZipEntry[] }> {
  const inst = await createInstance();
  const input = INPUT_NAME[type];
  inst.FS.createDataFile("/", input.slice(1), data, true, false, true);
  const run = runMain(inst, ["l", "-slt", "-ba", "-p", "-bd", `-t${type}`, input]);
  return { run, entries: run.exitCode === "crashed" ? [] : parseListing(inst.log) };
}

/** A file 7-Zip extracted, as a path relative to the extraction folder. */
export interface ExtractedFile {
  path: string;
  data: Buffer;
}

export interface ExtractResult {
  run: SevenZipRun;
  files: ExtractedFile[];
  /** Symbolic links 7-Zip created (links it judged dangerous are refused and named in `run.messages`). */
  links: Array<{ path: string; target: string }>;
  /** Path of the file whose write was refused by the hook, when one was. */
  stoppedAt?: string;
  /** What the write hook threw (a LimitError), rethrown or reported by the caller. */
  stoppedBy?: unknown;
}

/**
 * Called before 7-Zip writes `bytes` more to the file at `path` (relative to the extraction folder);
 * throwing stops the extraction (7-Zip sees a failed write and ends).
 */
export type WriteHook = (path: string, bytes: number) => void;

function collect(inst: Instance, dir: string, files: ExtractedFile[], links: ExtractResult["links"], depth = 0): void {
  if (depth > 256) return;
  for (const name of inst.FS.readdir(dir)) {
    if (name === "." || name === "..") continue;
    const full = `${dir}/${name}`;
    const st = inst.FS.lstat(full);
    const rel = full.slice(OUT_DIR.length + 1);
    if (inst.FS.isLink(st.mode)) links.push({ path: rel, target: inst.FS.readlink(full) });
    else if (inst.FS.isDir(st.mode)) collect(inst, full, files, links, depth + 1);
    else if (inst.FS.isFile(st.mode)) {
      const node = inst.FS.lookupPath(full).node as unknown as { contents: Uint8Array | null; usedBytes: number };
      const contents = node.contents ?? new Uint8Array(0);
      // A view, not a copy: MEMFS drops its reference when the instance goes away.
      files.push({ path: rel, data: Buffer.from(contents.buffer, contents.byteOffset, Math.min(node.usedBytes, contents.length)) });
    }
  }
}

/**
 * Extracts everything in an archive (or the one stream of an xz/bzip2/lzma file) into memory. Every write
 * goes through `onWrite` first; when it throws, 7-Zip stops and the result names the file and the error.
 */
export async function sevenZipExtract(data: Buffer, type: SevenZipType, onWrite: WriteHook): Promise<ExtractResult> {
  const inst = await createInstance();
  const FS = inst.FS;
  const input = INPUT_NAME[type];
  FS.createDataFile("/", input.slice(1), data, true, false, true);
  FS.mkdir(OUT_DIR);
  const result: ExtractResult = { run: { exitCode: 0, messages: [] }, files: [], links: [] };
  const write = FS.write.bind(FS);
  FS.write = (stream, buffer, offset, length, position, canOwn) => {
    const path = stream.path;
    if (typeof path === "string" && path.startsWith(`${OUT_DIR}/`) && result.stoppedBy === undefined) {
      try {
        onWrite(path.slice(OUT_DIR.length + 1), length);
      } catch (e) {
        result.stoppedBy = e;
        result.stoppedAt = path.slice(OUT_DIR.length + 1);
      }
    }
    // EIO: 7-Zip reports a write error and stops extracting.
    if (result.stoppedBy !== undefined) throw new FS.ErrnoError(29);
    return write(stream, buffer, offset, length, position, canOwn);
  };
  result.run = runMain(inst, ["x", "-p", "-y", "-aou", "-bd", `-t${type}`, `-o${OUT_DIR}`, input]);
  collect(inst, OUT_DIR, result.files, result.links);
  if (result.stoppedAt !== undefined) result.files = result.files.filter((f) => f.path !== result.stoppedAt);
  return result;
}
