/** Every way an identity call can fail, as one closed set of codes. */
export type IdentityErrorCode =
  | 'validation'
  | 'network'
  | 'timeout'
  | 'rate_limited'
  | 'unauthorized'
  | 'forbidden'
  | 'bad_request'
  | 'server'
  | 'storage'
  | 'closed';

/** What an `IdentityError` may carry besides its code and message. */
export interface IdentityErrorDetails {
  /** the backend's HTTP status, when it answered */
  httpCode?: number;
  /** for rate_limited: how long the backend asked us to wait */
  retryAfterMs?: number;
  /** what went wrong underneath (a DOMException, a TypeError from fetch...) */
  cause?: unknown;
}

/**
 * The one error class of the SDK. Callers branch on `code`, never on the
 * message, which is for people.
 */
export class IdentityError extends Error {
  /** what went wrong, one of a closed set: branch on it */
  readonly code: IdentityErrorCode;
  /** the backend's HTTP status, when it answered */
  readonly httpCode?: number;
  /** for `rate_limited`: how long the backend asked to wait */
  readonly retryAfterMs?: number;

  constructor(code: IdentityErrorCode, message: string, details: IdentityErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'IdentityError';
    this.code = code;
    if (details.httpCode !== undefined) this.httpCode = details.httpCode;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
    // Keep `instanceof` working when compiled to ES5-style classes or across bundles.
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** Whether `value` is an `IdentityError` (of this copy of the package). */
export function isIdentityError(value: unknown): value is IdentityError {
  return value instanceof IdentityError;
}
