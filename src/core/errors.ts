/** Every error modelgate raises on purpose carries a stable code. */
export type ModelgateErrorCode =
  | "USAGE"
  | "PATH_NOT_FOUND"
  | "PATH_UNREADABLE"
  | "INVALID_OPTION"
  | "LIMIT_EXCEEDED"
  | "MALFORMED_INPUT"
  | "UNSUPPORTED"
  | "SYMLINK_NOT_ALLOWED"
  | "TIMEOUT"
  | "VERIFICATION_FAILED"
  | "MALFORMED_BUNDLE"
  | "SIGNING_FAILED"
  | "POLICY_INVALID"
  | "DATABASE_UNAVAILABLE"
  | "NETWORK_ERROR"
  | "NOT_FOUND"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "CONFLICT"
  | "INTERNAL";

export class ModelgateError extends Error {
  readonly code: ModelgateErrorCode;
  constructor(code: ModelgateErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ModelgateError";
    this.code = code;
  }
}

/** Thrown by parsers when a configured limit is hit; the scanner turns it into a finding. */
export class LimitError extends ModelgateError {
  readonly limit: string;
  readonly value: number;
  readonly max: number;
  constructor(limit: string, value: number, max: number, message?: string) {
    super("LIMIT_EXCEEDED", message ?? `limit ${limit} exceeded: ${value} > ${max}`);
    this.name = "LimitError";
    this.limit = limit;
    this.value = value;
    this.max = max;
  }
}

/** Thrown by parsers on input that does not follow its format. */
export class MalformedError extends ModelgateError {
  readonly offset: number | undefined;
  constructor(message: string, offset?: number) {
    super("MALFORMED_INPUT", offset === undefined ? message : `${message} (at offset ${offset})`);
    this.name = "MalformedError";
    this.offset = offset;
  }
}

export function isModelgateError(e: unknown): e is ModelgateError {
  return e instanceof ModelgateError;
}
