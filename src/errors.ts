/**
 * One error class for the whole runtime. Every failure carries a stable `code`
 * (searchable, asserted in tests) and a human message. Factories below build
 * them so that call sites stay short and codes stay consistent.
 */

/** Every error code the runtime can raise. */
export const ERROR_CODES = [
  // codec
  'ERR_FRAME_TRUNCATED',
  'ERR_FRAME_OVERSIZED',
  'ERR_FRAME_VERSION',
  'ERR_FRAME_TYPE',
  'ERR_FRAME_TEXT',
  'ERR_FRAME_TRAILING',
  'ERR_FRAME_FIELD',
  // requests and commands
  'ERR_MISSING_FIELD',
  'ERR_BAD_COMMAND',
  'ERR_BAD_FILENAME',
  'ERR_UNKNOWN_TYPE',
  // arguments
  'ERR_BAD_ARGUMENT',
  'ERR_PORT_IN_USE',
  'ERR_UNREACHABLE',
  'ERR_DUPLICATE_ID',
  // runtime
  'ERR_WORKER_DIED',
  'ERR_TRANSFER',
  'ERR_NOT_RUNNING',
  'ERR_TIMEOUT',
  /** An error nothing expected (a bug), caught by a thread's last resort: see runtime/faults.ts. */
  'ERR_INTERNAL',
] as const;

/** A runtime error code. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The error every part of the runtime throws: `code` names the failure. */
export class P2PError extends Error {
  /** Stable, searchable name of the failure. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'P2PError';
    this.code = code;
  }
}

/** True when `err` is a P2PError, optionally with the given code. */
export function isP2PError(err: unknown, code?: ErrorCode): err is P2PError {
  return err instanceof P2PError && (code === undefined || err.code === code);
}

/** An error as it crosses a thread boundary (structured clone drops the class). */
export interface SerializedError {
  code: string;
  name: string;
  message: string;
  stack?: string | undefined;
}

/** Flattens any thrown value for postMessage. */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return {
      code: typeof code === 'string' ? code : 'ERR_UNKNOWN',
      name: err.name,
      message: err.message,
      stack: err.stack,
    };
  }
  return { code: 'ERR_UNKNOWN', name: 'Error', message: String(err) };
}

/** Rebuilds an error that crossed a thread boundary. */
export function deserializeError(s: SerializedError): Error {
  const err = (ERROR_CODES as readonly string[]).includes(s.code) ? new P2PError(s.code as ErrorCode, s.message) : new Error(s.message);
  err.name = s.name;
  if (s.stack !== undefined) err.stack = s.stack;
  return err;
}

/** A frame ended before its declared length. */
export const truncated = (need: number, have: number): P2PError =>
  new P2PError('ERR_FRAME_TRUNCATED', `frame truncated: need ${need} bytes, have ${have}`);

/** A frame declares (or has) more bytes than the maximum frame size. */
export const oversized = (size: number, max: number): P2PError =>
  new P2PError('ERR_FRAME_OVERSIZED', `frame of ${size} bytes exceeds the maximum of ${max}`);

/** A frame carries a protocol version this peer does not speak. */
export const badVersion = (version: number, expected: number): P2PError =>
  new P2PError('ERR_FRAME_VERSION', `frame version ${version} is not supported (expected ${expected})`);

/** A frame's type code is none of the nine request types. */
export const badType = (code: number): P2PError => new P2PError('ERR_FRAME_TYPE', `unknown request type code ${code}`);

/** A text field is not valid UTF-8. */
export const badText = (field: string): P2PError => new P2PError('ERR_FRAME_TEXT', `field ${field} is not valid UTF-8`);

/** Bytes follow the end of a complete frame where none may. */
export const trailing = (extra: number): P2PError => new P2PError('ERR_FRAME_TRAILING', `${extra} unexpected bytes after the end of the frame`);

/** A field is out of its range or shape (an ID not a u32, an empty or too long text, a repeated key). */
export const badField = (field: string, why: string): P2PError => new P2PError('ERR_FRAME_FIELD', `field ${field} is invalid: ${why}`);

/** A request lacks a content field its type needs. */
export const missingField = (type: string, field: string): P2PError =>
  new P2PError('ERR_MISSING_FIELD', `${type} request without the ${field} field`);

/** A command-line argument is wrong. */
export const badArgument = (message: string): P2PError => new P2PError('ERR_BAD_ARGUMENT', message);

/**
 * The one format of every error line a `p2p` process prints:
 * `p2p: <what happened> (<CODE>)`, the code once, at the end. `text` may
 * already start with `p2p: ` or end with `(CODE)` (a message passed along
 * from a child process): neither is repeated.
 */
export function errorLine(text: string, code: string): string {
  let body = text.trim();
  if (body.startsWith('p2p: ')) body = body.slice('p2p: '.length);
  const suffix = ` (${code})`;
  while (body.endsWith(suffix)) body = body.slice(0, -suffix.length);
  return `p2p: ${body}${suffix}`;
}

/** The code of any thrown value: a P2PError's, a Node system error's (`EACCES`...), or ERR_UNKNOWN. */
export function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(code) ? code : 'ERR_UNKNOWN';
}

/** `errorLine` of a thrown value: its message and its code. */
export function errorLineOf(err: unknown, context?: string): string {
  const message = err instanceof Error ? err.message : String(err);
  return errorLine(context === undefined ? message : `${context}: ${message}`, codeOf(err));
}
