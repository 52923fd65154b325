/**
 * GGUF value types and ggml tensor types, from the GGUF specification (ggml docs/gguf.md) and ggml's
 * type traits (ggml.c, ggml-common.h; gguf-py GGML_QUANT_SIZES): elements per block and bytes per block.
 */

export const GGUF_VALUE = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

/** Byte size of fixed-size GGUF value types. */
export const GGUF_VALUE_SIZE: Readonly<Record<number, number>> = {
  0: 1,
  1: 1,
  2: 2,
  3: 2,
  4: 4,
  5: 4,
  6: 4,
  7: 1,
  10: 8,
  11: 8,
  12: 8,
};

export interface GgmlType {
  name: string;
  /** Elements per block. */
  block: number;
  /** Bytes per block. */
  bytes: number;
}

const QK_K = 256;

/** ggml tensor types GGUF files may use. */
export const GGML_TYPES: ReadonlyMap<number, GgmlType> = new Map<number, GgmlType>([
  [0, { name: "F32", block: 1, bytes: 4 }],
  [1, { name: "F16", block: 1, bytes: 2 }],
  [2, { name: "Q4_0", block: 32, bytes: 2 + 16 }],
  [3, { name: "Q4_1", block: 32, bytes: 2 + 2 + 16 }],
  [6, { name: "Q5_0", block: 32, bytes: 2 + 4 + 16 }],
  [7, { name: "Q5_1", block: 32, bytes: 2 + 2 + 4 + 16 }],
  [8, { name: "Q8_0", block: 32, bytes: 2 + 32 }],
  [9, { name: "Q8_1", block: 32, bytes: 4 + 4 + 32 }],
  [10, { name: "Q2_K", block: QK_K, bytes: 2 + 2 + QK_K / 16 + QK_K / 4 }],
  [11, { name: "Q3_K", block: QK_K, bytes: 2 + QK_K / 4 + QK_K / 8 + 12 }],
  [12, { name: "Q4_K", block: QK_K, bytes: 2 + 2 + QK_K / 2 + 12 }],
  [13, { name: "Q5_K", block: QK_K, bytes: 2 + 2 + QK_K / 2 + QK_K / 8 + 12 }],
  [14, { name: "Q6_K", block: QK_K, bytes: 2 + QK_K / 2 + QK_K / 4 + QK_K / 16 }],
  [15, { name: "Q8_K", block: QK_K, bytes: 4 + QK_K + QK_K / 8 }],
  [16, { name: "IQ2_XXS", block: QK_K, bytes: 2 + QK_K / 4 }],
  [17, { name: "IQ2_XS", block: QK_K, bytes: 2 + QK_K / 4 + QK_K / 32 }],
  [18, { name: "IQ3_XXS", block: QK_K, bytes: 2 + QK_K / 4 + QK_K / 8 }],
  [19, { name: "IQ1_S", block: QK_K, bytes: 2 + QK_K / 8 + QK_K / 16 }],
  [20, { name: "IQ4_NL", block: 32, bytes: 2 + 16 }],
  [21, { name: "IQ3_S", block: QK_K, bytes: 2 + QK_K / 4 + QK_K / 8 + QK_K / 32 + 4 }],
  [22, { name: "IQ2_S", block: QK_K, bytes: 2 + QK_K / 4 + QK_K / 16 }],
  [23, { name: "IQ4_XS", block: QK_K, bytes: 2 + 2 + QK_K / 2 + QK_K / 64 }],
  [24, { name: "I8", block: 1, bytes: 1 }],
  [25, { name: "I16", block: 1, bytes: 2 }],
  [26, { name: "I32", block: 1, bytes: 4 }],
  [27, { name: "I64", block: 1, bytes: 8 }],
  [28, { name: "F64", block: 1, bytes: 8 }],
  [29, { name: "IQ1_M", block: QK_K, bytes: QK_K / 8 + QK_K / 16 + QK_K / 32 }],
  [30, { name: "BF16", block: 1, bytes: 2 }],
  [34, { name: "TQ1_0", block: QK_K, bytes: 2 + 4 * 13 }],
  [35, { name: "TQ2_0", block: QK_K, bytes: 2 + 64 }],
  [39, { name: "MXFP4", block: 32, bytes: 1 + 16 }],
  [40, { name: "NVFP4", block: 64, bytes: 4 + 32 }],
  [41, { name: "Q1_0", block: 128, bytes: 2 + 16 }],
  [42, { name: "Q2_0", block: 64, bytes: 2 + 16 }],
]);

/** Type ids ggml removed (Q4_2, Q4_3, the Q4_0_x_y and IQ4_NL_x_y repacks): readers refuse them. */
export const REMOVED_GGML_TYPES: ReadonlySet<number> = new Set([4, 5, 31, 32, 33, 36, 37, 38]);

/** ggml's GGML_MAX_DIMS: readers refuse tensors with more dimensions. */
export const GGML_MAX_DIMS = 4;
/** ggml's GGML_MAX_NAME, including the terminating NUL. */
export const GGML_MAX_NAME = 64;
export const GGUF_DEFAULT_ALIGNMENT = 32;
