/**
 * Messages between the HDF5 analyzer (main thread) and its worker thread, where the wasm HDF5 library runs
 * (so a hostile file that makes the C library loop or trap can be stopped by terminating the thread).
 * The worker reads the file lazily: each read it needs is posted as a `read` request, and it blocks on a
 * SharedArrayBuffer until the main thread has copied the bytes in.
 */

/** Bounds a job runs under; hitting one ends in a `limit` outcome. */
export interface Hdf5JobLimits {
  /** Links and objects visited by the walk. */
  maxObjects: number;
  /** Largest attribute value read (the Keras model_config attribute included), and largest variable-length byte dataset. */
  maxAttributeBytes: number;
  /** Bytes of the file read in total (metadata only is read; weights are never loaded). */
  maxReadBytes: number;
  /** Events sent back for one file. */
  maxEvents: number;
}

export interface Hdf5Job {
  t: "job";
  id: number;
  size: number;
  limits: Hdf5JobLimits;
}

/** Root attributes Keras 2 writes; read as text. */
export const KERAS_ROOT_ATTRIBUTES = ["model_config", "training_config", "keras_version", "backend"] as const;
export type KerasRootAttribute = (typeof KERAS_ROOT_ATTRIBUTES)[number];

export type Hdf5Event =
  | { kind: "keras-attribute"; name: KerasRootAttribute; text?: string; error?: string }
  | { kind: "external-link"; path: string; file: string; target: string }
  | { kind: "virtual-source"; path: string; file: string; dataset: string }
  | { kind: "external-file"; path: string; file: string }
  /** A pickle held in an attribute (`attribute` set) or in a variable-length byte dataset (PyTables ObjectAtom). */
  | { kind: "pickled-value"; path: string; attribute?: string; index: number; bytes: Uint8Array }
  | { kind: "object-error"; path: string; message: string }
  | { kind: "limit"; limit: keyof Hdf5JobLimits; value: number; max: number };

export type WorkerToMain =
  | { t: "ready" }
  | { t: "fatal"; message: string }
  | { t: "read"; id: number; offset: number; length: number }
  | { t: "event"; id: number; ev: Hdf5Event }
  | { t: "done"; id: number; objects: number; bytesRead: number; health: WorkerHealth }
  | { t: "failed"; id: number; message: string; health: WorkerHealth };

/** Sent with each job's end so the pool can retire a worker whose wasm state has grown or been hurt. */
export interface WorkerHealth {
  heapBytes: number;
  openStreams: number;
  /** The wasm code trapped (out-of-bounds access, unreachable): its state cannot be trusted. */
  trapped: boolean;
  /**
   * Library errors raised in this worker so far. Each one unwinds through h5wasm's C++ and can leak
   * handles that keep objects open, so a worker is retired after enough of them.
   */
  errors: number;
}

/** Control words at the start of the shared buffer: [state, length]. Data follows at DATA_OFFSET. */
export const CONTROL_STATE = 0;
export const CONTROL_LENGTH = 1;
export const STATE_WAITING = 0;
export const STATE_READY = 1;
export const STATE_ERROR = 2;
export const DATA_OFFSET = 16;
/** Largest single read the worker asks for. */
export const READ_WINDOW_BYTES = 1 << 20;
