/* eslint-disable @typescript-eslint/no-explicit-any -- the emscripten module and its FS are untyped internals */
import type { Hdf5Event, Hdf5Job, WorkerToMain } from "./protocol.js";

/** What the worker is started with (workerData). */
export interface WorkerBoot {
  h5wasmUrl: string;
  /** A file that exists on the host: the worker refuses to run if the library's FS can see it. */
  hostProbePath: string;
  sab: SharedArrayBuffer;
  dataOffset: number;
  windowBytes: number;
  state: { waiting: number; ready: number; error: number };
  control: { state: number; length: number };
}

interface PortLike {
  postMessage(message: WorkerToMain): void;
  on(event: "message", listener: (message: Hdf5Job) => void): void;
}

/**
 * Body of the HDF5 worker thread. It is handed to the Worker as source text (Function.prototype.toString),
 * so it must be self-contained: no imports, no reference to anything outside its own body. `h5` is the
 * h5wasm module (ESM build: an in-memory emscripten FS, no access to the host's files).
 *
 * For each job it creates a file node whose reads are served by the main thread through the shared
 * buffer, opens it with HDF5, reads the root attributes Keras uses, walks every link and object, and
 * reports what reaches outside the file. Events are posted as they are found, so a later crash loses
 * nothing already seen.
 */
export function hdf5WorkerMain(h5: any, port: PortLike, boot: WorkerBoot): void {
  const M = h5.Module;
  const FS = h5.FS;
  const EIO = 29;
  const PAGE = 4096;
  const MAX_CACHE_BYTES = 32 * 1024 * 1024;
  const KERAS_ATTRS = ["model_config", "training_config", "keras_version", "backend"];
  const H5T_INTEGER = 0;
  const H5T_STRING = 3;
  const H5T_OPAQUE = 5;
  const H5T_VLEN = 9;
  const ctrl = new Int32Array(boot.sab, 0, 4);
  const window = new Uint8Array(boot.sab, boot.dataOffset, boot.windowBytes);

  // The ESM build keeps files in memory; the "h5wasm/node" build maps the host file system, where
  // external links and external storage would really be opened. Refuse to run on such a build.
  if (boot.hostProbePath && FS.analyzePath(boot.hostProbePath).exists) {
    throw new Error("this h5wasm build can see the host's files; the in-memory (ESM) build is required");
  }
  M.activate_throwing_error_handler();

  // Every path HDF5 opens other than the job's own file: external links it tried to follow, external
  // storage files. The FS is in memory and empty, so nothing outside is ever reached.
  let currentPath = "";
  let opened: string[] = [];
  const realOpen = FS.open;
  FS.open = function (path: unknown, ...rest: unknown[]) {
    const p = typeof path === "string" ? path : String(path);
    if (p !== currentPath && !p.startsWith("/tmp/") && !p.startsWith("/dev/")) opened.push(p);
    return realOpen.call(FS, path, ...rest);
  };

  let errorsSeen = 0;
  /** The deepest "in FUNC(): message" of an HDF5 error stack, else the first line. */
  const hdf5Message = (e: unknown): string => {
    errorsSeen++;
    const text = e instanceof Error ? e.message : String(e);
    const lines = text.split("\n").map((l) => l.trim());
    let best = "";
    for (const l of lines) {
      const m = /in ([A-Za-z0-9_]+)\(\): (.*)$/.exec(l);
      if (m) best = `${m[2]} (${m[1]})`;
    }
    return (best || lines.find((l) => l.length > 0) || "unknown error").slice(0, 300);
  };

  const runJob = (job: Hdf5Job): void => {
    const { id, size, limits } = job;
    const path = `/job${id}.h5`;
    currentPath = path;
    opened = [];
    let bytesRead = 0;
    let events = 0;
    let objects = 0;
    let stopped = false;
    const cache = new Map<number, Uint8Array>();
    let cacheBytes = 0;
    // While probing for external storage, raw data is not fetched: a cache miss reads as zeros. (Failing
    // the read instead would make the library's error unwind through h5wasm and leak the dataset's
    // handles and sieve buffer.)
    let noFetch = false;

    const emit = (ev: Hdf5Event): void => {
      if (stopped) return;
      if (++events > limits.maxEvents) {
        stopped = true;
        port.postMessage({ t: "event", id, ev: { kind: "limit", limit: "maxEvents", value: events, max: limits.maxEvents } });
        return;
      }
      port.postMessage({ t: "event", id, ev });
    };
    const limitHit = (limit: "maxObjects" | "maxAttributeBytes" | "maxReadBytes", value: number, max: number): void => {
      if (stopped) return;
      port.postMessage({ t: "event", id, ev: { kind: "limit", limit, value, max } });
      stopped = true;
    };

    const fetchPages = (first: number, last: number): void => {
      // Asks the main thread for pages first..last (contiguous), at most one window at a time.
      const offset = first * PAGE;
      const length = Math.min((last - first + 1) * PAGE, size - offset, window.length);
      if (bytesRead + length > limits.maxReadBytes) {
        limitHit("maxReadBytes", bytesRead + length, limits.maxReadBytes);
        throw new FS.ErrnoError(EIO);
      }
      Atomics.store(ctrl, boot.control.state, boot.state.waiting);
      port.postMessage({ t: "read", id, offset, length });
      const r = Atomics.wait(ctrl, boot.control.state, boot.state.waiting, 120_000);
      if (r === "timed-out" || Atomics.load(ctrl, boot.control.state) !== boot.state.ready) throw new FS.ErrnoError(EIO);
      const got = Atomics.load(ctrl, boot.control.length);
      bytesRead += got;
      for (let p = first, at = 0; at < got; p++, at += PAGE) {
        const page = window.slice(at, Math.min(at + PAGE, got));
        cache.set(p, page);
        cacheBytes += page.length;
      }
      for (const [k, v] of cache) {
        if (cacheBytes <= MAX_CACHE_BYTES) break;
        cache.delete(k);
        cacheBytes -= v.length;
      }
    };

    const readAt = (dst: Uint8Array, position: number, length: number): number => {
      if (position >= size || length <= 0) return 0;
      const want = Math.min(length, size - position);
      let done = 0;
      while (done < want) {
        const pos = position + done;
        const pi = Math.floor(pos / PAGE);
        let page = cache.get(pi);
        if (!page) {
          if (noFetch) {
            dst.fill(0, done, want);
            done = want;
            break;
          }
          const lastNeeded = Math.floor((position + want - 1) / PAGE);
          let last = pi;
          while (last < lastNeeded && !cache.has(last + 1) && (last - pi + 2) * PAGE <= window.length) last++;
          fetchPages(pi, last);
          page = cache.get(pi);
          if (!page) throw new FS.ErrnoError(EIO);
        } else {
          cache.delete(pi);
          cache.set(pi, page);
        }
        const off = pos - pi * PAGE;
        if (off >= page.length) break; // short page at the end of the file
        const n = Math.min(page.length - off, want - done);
        dst.set(page.subarray(off, off + n), done);
        done += n;
      }
      return done;
    };

    const node = FS.create(path, 0o444);
    node.contents = new Uint8Array(0);
    node.usedBytes = size;
    node.stream_ops = Object.assign({}, node.stream_ops, {
      read(stream: any, buffer: Uint8Array, offset: number, length: number, position: number | undefined) {
        const seeking = typeof position === "number";
        const pos = seeking ? position : stream.position;
        const dst = new Uint8Array(buffer.buffer, buffer.byteOffset + offset, length);
        const n = readAt(dst, pos, length);
        if (!seeking) stream.position += n;
        return n;
      },
      write() {
        throw new FS.ErrnoError(63);
      },
    });

    let file: any;
    let trapped = false;
    const health = () => {
      let openStreams = 0;
      for (const st of FS.streams ?? []) if (st) openStreams++;
      return { heapBytes: M.HEAPU8.length, openStreams, trapped, errors: errorsSeen };
    };
    const noteTrap = (e: unknown): void => {
      // WebAssembly.RuntimeError: out-of-bounds access, unreachable, stack overflow inside the library.
      if (e instanceof Error && e.constructor.name === "RuntimeError") trapped = true;
    };
    let outcome: WorkerToMain | undefined;
    try {
      try {
        file = new h5.File(path, "r");
      } catch (e) {
        noteTrap(e);
        outcome = { t: "failed", id, message: `not a readable HDF5 file: ${hdf5Message(e)}`, health: health() };
        return;
      }
      const fid = file.file_id;

      /** Raw bytes of each element of a string/opaque/byte attribute; undefined for other types. */
      const readAttributeElements = (obj: string, name: string, meta: any): Uint8Array[] | undefined => {
        const isString = meta.type === H5T_STRING;
        const isOpaque = meta.type === H5T_OPAQUE;
        const isBytes = meta.type === H5T_INTEGER && meta.size === 1;
        if (!isString && !isOpaque && !isBytes) return undefined;
        if (!meta.shape) return [];
        const count = Number(meta.total_size);
        const nbytes = meta.size * count;
        if (!Number.isSafeInteger(nbytes) || nbytes > limits.maxAttributeBytes) {
          limitHit("maxAttributeBytes", nbytes, limits.maxAttributeBytes);
          return undefined;
        }
        if (nbytes === 0) return [];
        const ptr = M._malloc(nbytes);
        if (!ptr) throw new Error(`cannot allocate ${nbytes} bytes`);
        try {
          M.get_attribute_data(fid, obj, name, BigInt(ptr));
          const heap: Uint8Array = M.HEAPU8;
          if (isString && meta.vlen) {
            const out: Uint8Array[] = [];
            let total = 0;
            const view = new DataView(heap.buffer, ptr, nbytes);
            for (let k = 0; k < count; k++) {
              const p = view.getUint32(k * 4, true);
              if (p === 0) {
                out.push(new Uint8Array(0));
                continue;
              }
              let end = p;
              while (end < heap.length && heap[end] !== 0 && end - p <= limits.maxAttributeBytes - total) end++;
              total += end - p;
              if (total > limits.maxAttributeBytes) {
                limitHit("maxAttributeBytes", total, limits.maxAttributeBytes);
                break;
              }
              out.push(heap.slice(p, end));
            }
            try {
              M.reclaim_vlen_memory(fid, obj, name, BigInt(ptr));
            } catch {
              // A failed reclaim only leaks worker memory; the worker is recycled by size.
            }
            return out;
          }
          if (isString) {
            const out: Uint8Array[] = [];
            for (let k = 0; k < count; k++) {
              let el = heap.slice(ptr + k * meta.size, ptr + (k + 1) * meta.size);
              // Fixed-length strings are NUL-padded (h5py) or NUL-terminated.
              let end = el.length;
              while (end > 0 && el[end - 1] === 0) end--;
              el = el.subarray(0, end);
              out.push(el);
            }
            return out;
          }
          // Opaque elements one by one; a byte array as one value.
          if (isOpaque) {
            const out: Uint8Array[] = [];
            for (let k = 0; k < count; k++) out.push(heap.slice(ptr + k * meta.size, ptr + (k + 1) * meta.size));
            return out;
          }
          return [heap.slice(ptr, ptr + nbytes)];
        } finally {
          M._free(ptr);
        }
      };

      const decoder = new TextDecoder("utf-8");
      // Binary pickles open with PROTO 2-5. Text (protocol 0) pickles, as PyTables and pandas store
      // Python objects in attributes and unpickle them on read, open with MARK/GLOBAL/INST/EMPTY_LIST/
      // EMPTY_DICT, hold newline-terminated arguments and end with STOP.
      const looksPickled = (b: Uint8Array): boolean => {
        if (b.length < 3) return false;
        if (b[0] === 0x80) return b[1]! >= 2 && b[1]! <= 5;
        return [0x28, 0x63, 0x69, 0x5d, 0x7d].includes(b[0]!) && b[b.length - 1] === 0x2e && b.includes(0x0a);
      };

      const checkAttributes = (obj: string): void => {
        let names: string[];
        try {
          names = M.get_attribute_names(fid, obj);
        } catch (e) {
          emit({ kind: "object-error", path: obj, message: `attributes could not be listed: ${hdf5Message(e)}` });
          return;
        }
        for (const name of names) {
          if (stopped) return;
          try {
            const meta = M.get_attribute_metadata(fid, obj, name);
            if (obj === "/" && KERAS_ATTRS.includes(name)) {
              const els = readAttributeElements(obj, name, meta);
              if (els === undefined) {
                if (!stopped) emit({ kind: "keras-attribute", name: name as any, error: `attribute is not a string (HDF5 type class ${meta.type})` });
              } else if (els.length !== 1) {
                emit({ kind: "keras-attribute", name: name as any, error: `attribute holds ${els.length} values instead of one string` });
              } else {
                emit({ kind: "keras-attribute", name: name as any, text: decoder.decode(els[0]) });
              }
              continue;
            }
            if (meta.type === H5T_VLEN) continue;
            const els = readAttributeElements(obj, name, meta);
            if (!els) continue;
            els.forEach((el, index) => {
              if (looksPickled(el)) emit({ kind: "pickled-value", path: obj, attribute: name, index, bytes: el });
            });
          } catch (e) {
            emit({ kind: "object-error", path: obj, message: `attribute ${JSON.stringify(name)} could not be read: ${hdf5Message(e)}` });
          }
        }
      };

      /** Variable-length byte sequences (PyTables' ObjectAtom keeps one pickle per row): pickles are reported. */
      const checkVlenBytes = (dpath: string, meta: any): void => {
        const base = meta.vlen_type;
        if (meta.type !== H5T_VLEN || !base || base.type !== H5T_INTEGER || base.size !== 1 || !meta.shape) return;
        const count = Number(meta.total_size);
        if (!(count > 0)) return;
        const nbytes = meta.size * count;
        if (!Number.isSafeInteger(nbytes) || nbytes > limits.maxAttributeBytes) {
          limitHit("maxAttributeBytes", nbytes, limits.maxAttributeBytes);
          return;
        }
        const ptr = M._malloc(nbytes);
        if (!ptr) throw new Error(`cannot allocate ${nbytes} bytes`);
        try {
          M.get_dataset_data(fid, dpath, null, null, null, BigInt(ptr));
          const heap: Uint8Array = M.HEAPU8;
          const view = new DataView(heap.buffer, ptr, nbytes);
          let total = 0;
          for (let k = 0; k < count && !stopped; k++) {
            // hvl_t on wasm32: { size_t len; void *p; }
            const len = view.getUint32(k * meta.size, true);
            const p = view.getUint32(k * meta.size + 4, true);
            total += len;
            if (total > limits.maxAttributeBytes) {
              limitHit("maxAttributeBytes", total, limits.maxAttributeBytes);
              break;
            }
            if (len === 0 || p === 0 || p + len > heap.length) continue;
            const el = heap.slice(p, p + len);
            if (looksPickled(el)) emit({ kind: "pickled-value", path: dpath, index: k, bytes: el });
          }
          try {
            M.reclaim_vlen_memory(fid, dpath, "", BigInt(ptr));
          } catch {
            // A failed reclaim only leaks worker memory; the worker is recycled by size.
          }
        } finally {
          M._free(ptr);
        }
      };

      const probeDataset = (dpath: string): void => {
        const meta = M.get_dataset_metadata(fid, dpath);
        checkVlenBytes(dpath, meta);
        for (const src of meta.virtual_sources ?? []) {
          if (src.file_name !== ".") emit({ kind: "virtual-source", path: dpath, file: String(src.file_name), dataset: String(src.dset_name) });
        }
        if (meta.virtual_sources || meta.chunks !== null || !meta.shape || meta.vlen || meta.type === H5T_VLEN) return;
        const total = Number(meta.total_size);
        if (!(total > 0) || meta.size > 1 << 20) return;
        // Contiguous data may live in external files (HDF5 external storage). Reading one element makes
        // HDF5 open them; the opens are recorded (the in-memory FS has no such file). Data kept in this
        // file is not fetched for it: the object header was just read (its pages are cached), and raw
        // data that misses the cache reads as zeros, so the probe costs no I/O.
        const rank = meta.shape.length;
        const ptr = M._malloc(meta.size + 64);
        opened = [];
        noFetch = true;
        try {
          if (rank === 0) M.get_dataset_data(fid, dpath, null, null, null, BigInt(ptr));
          else {
            const ones = Array.from({ length: rank }, () => 1n);
            const zeros = Array.from({ length: rank }, () => 0n);
            M.get_dataset_data(fid, dpath, ones, zeros, ones, BigInt(ptr));
          }
        } catch {
          // External files cannot be opened here: failure is expected for them.
          errorsSeen++;
        } finally {
          noFetch = false;
          M._free(ptr);
        }
        for (const f of new Set(opened)) emit({ kind: "external-file", path: dpath, file: f });
        opened = [];
      };

      // Root attributes first (the Keras config), then every object breadth-first.
      checkAttributes("/");
      const seenGroups = new Set<string>();
      const queue: string[] = ["/"];
      let errors = 0;
      while (queue.length > 0 && !stopped) {
        const group = queue.shift()!;
        let names: string[];
        try {
          names = M.get_names(fid, group, false);
        } catch (e) {
          emit({ kind: "object-error", path: group, message: `group could not be listed: ${hdf5Message(e)}` });
          if (++errors > 100) break;
          continue;
        }
        for (const name of names) {
          if (stopped) break;
          if (++objects > limits.maxObjects) {
            limitHit("maxObjects", objects, limits.maxObjects);
            break;
          }
          const child = group === "/" ? `/${name}` : `${group}/${name}`;
          try {
            const ext = M.get_external_link(fid, child);
            if (ext && typeof ext.filename === "string") {
              emit({ kind: "external-link", path: child, file: ext.filename, target: String(ext.obj_path) });
              continue;
            }
            const soft = M.get_symbolic_link(fid, child);
            if (typeof soft === "string") continue; // a link inside the file; its target is walked on its own
            const type = M.get_type(fid, child);
            if (type === M.H5G_GROUP) {
              const ref = M.create_object_reference(fid, child);
              const key = Array.from(ref as ArrayLike<number>).join(",");
              if (!seenGroups.has(key)) {
                seenGroups.add(key);
                checkAttributes(child);
                queue.push(child);
              }
            } else if (type === M.H5G_DATASET) {
              checkAttributes(child);
              probeDataset(child);
            } else if (type === M.H5G_TYPE) {
              checkAttributes(child);
            }
          } catch (e) {
            noteTrap(e);
            emit({ kind: "object-error", path: child, message: hdf5Message(e) });
            if (++errors > 100) {
              stopped = true;
              break;
            }
          }
        }
      }
      outcome = { t: "done", id, objects, bytesRead, health: health() };
    } catch (e) {
      noteTrap(e);
      outcome = { t: "failed", id, message: hdf5Message(e), health: health() };
    } finally {
      try {
        file?.close();
      } catch {
        // A file that fails to close is dropped with the worker's state.
      }
      try {
        FS.unlink(path);
      } catch {
        // already gone
      }
      // The throwing error handler leaves its tmpfile open, and an error thrown through the library can
      // leave the job's file open: close both.
      try {
        for (const st of FS.streams ?? []) {
          if (st && st.fd > 2 && typeof st.path === "string" && (st.path.startsWith("/tmp/") || st.path === path)) FS.close(st);
        }
        for (const f of FS.readdir("/tmp")) if (f !== "." && f !== "..") FS.unlink(`/tmp/${f}`);
      } catch {
        // best effort
      }
      currentPath = "";
      if (outcome) {
        if (outcome.t === "done" || outcome.t === "failed") outcome.health = health();
        port.postMessage(outcome);
      }
    }
  };

  port.on("message", (msg: Hdf5Job) => {
    if (msg && msg.t === "job") runJob(msg);
  });
  port.postMessage({ t: "ready" });
}
