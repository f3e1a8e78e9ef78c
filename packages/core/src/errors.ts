/**
 * The codes a {@link HypernodeError} carries. Each names one kind of failure that a caller may want
 * to tell apart from the others.
 */
export type HypernodeErrorCode =
  | 'NO_PROCESS'
  | 'CALL_TIMEOUT'
  | 'RECEIVE_TIMEOUT'
  | 'MODULE_NOT_FOUND'
  | 'MODULE_INVALID'
  | 'MODULE_LOAD_FAILED'
  | 'NOT_SERIALIZABLE'
  | 'MESSAGE_TOO_LARGE'
  | 'TRANSPORT_DOWN'
  | 'REGISTRY_DOWN'
  | 'DECODE_FAILED'
  | 'INVALID_OPTIONS'
  | 'INVALID_ARGUMENT'
  | 'NAME_TAKEN'
  | 'CLUSTER_STOPPED'
  | 'WORKER_LOST'
  | 'PROCESS_EXITED'
  | 'REQUEST_TIMEOUT'
  | 'REMOTE_ERROR'
  | 'BAD_SECRET'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'MODULE_TAMPERED'
  | 'MAILBOX_FULL';

/** Plain-data form of a {@link HypernodeError}, as it crosses the wire. */
export interface HypernodeErrorJSON {
  name: 'HypernodeError';
  code: HypernodeErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/**
 * The one error class of hypernode. Its `message` is a sentence that names what happened (with quoted
 * ids) and what to do about it; its `code` is stable and meant for programs.
 */
export class HypernodeError extends Error {
  static {
    // Set explicitly: a bundler may rename the class (esbuild's build names it `_HypernodeError`), and
    // `HypernodeError.name`, like each error's `name`, must still read 'HypernodeError'.
    Object.defineProperty(this, 'name', { value: 'HypernodeError' });
  }

  override readonly name = 'HypernodeError';
  readonly code: HypernodeErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: HypernodeErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options?.details) this.details = options.details;
  }

  /** Plain data that survives the codec; rebuild it with {@link HypernodeError.fromJSON}. */
  toJSON(): HypernodeErrorJSON {
    return this.details
      ? { name: 'HypernodeError', code: this.code, message: this.message, details: this.details }
      : { name: 'HypernodeError', code: this.code, message: this.message };
  }

  static fromJSON(json: HypernodeErrorJSON): HypernodeError {
    return new HypernodeError(json.code, json.message, json.details ? { details: json.details } : undefined);
  }

  /** True when `value` is a HypernodeError with the given code (or any code when omitted). */
  static is(value: unknown, code?: HypernodeErrorCode): value is HypernodeError {
    return value instanceof HypernodeError && (code === undefined || value.code === code);
  }
}
