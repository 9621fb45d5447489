/**
 * Fault injection for testing clients against a misbehaving service: queued
 * exact answers (a 429 with Retry-After, a 503, a hang), a share of requests
 * answered 503, and added latency. Configured in code or over `/v1/_faults`.
 */
import { IdentityError } from '../errors';

/** A canned answer for the next API request, or no answer at all. */
export type FaultAnswer =
  { status: number; headers?: Record<string, string>; body?: unknown } | { hang: true };

export interface Faults {
  /** the next API request (identify/login/logout/modify/alias) gets this answer */
  queue(...answers: FaultAnswer[]): void;
  /** forgets queued answers */
  clear(): void;
  /** takes the next queued answer */
  next(): FaultAnswer | undefined;
  readonly queued: number;
  /** share of API requests answered 503, 0…1 */
  failRate: number;
  /** added before every API answer */
  latencyMs: number;
}

export function createFaults(initial: { failRate: number; latencyMs: number }): Faults {
  const queue: FaultAnswer[] = [];
  return {
    queue: (...answers) => void queue.push(...answers.map(validFault)),
    clear: () => void queue.splice(0),
    next: () => queue.shift(),
    get queued() {
      return queue.length;
    },
    failRate: initial.failRate,
    latencyMs: initial.latencyMs,
  };
}

/**
 * Applies a `POST /v1/_faults` body: an answer or a list of answers to queue,
 * or `{ failRate, latencyMs }` settings. Throws `bad_request` naming the problem.
 */
export function configureFaults(faults: Faults, body: unknown): void {
  const isAnswer = (v: unknown) =>
    typeof v === 'object' && v !== null && ('status' in v || 'hang' in v);
  if (Array.isArray(body) || isAnswer(body)) {
    faults.queue(...((Array.isArray(body) ? body : [body]) as FaultAnswer[]));
  } else if (typeof body === 'object' && body !== null) {
    const { failRate, latencyMs } = body as { failRate?: unknown; latencyMs?: unknown };
    // Both checked before either is set: a bad body changes nothing.
    const rate = failRate === undefined ? faults.failRate : fraction(failRate, 'failRate');
    const latency =
      latencyMs === undefined ? faults.latencyMs : nonNegative(latencyMs, 'latencyMs');
    faults.failRate = rate;
    faults.latencyMs = latency;
  } else {
    throw new IdentityError('bad_request', 'Expected an answer, a list of answers or settings');
  }
}

function validFault(answer: FaultAnswer): FaultAnswer {
  if (typeof answer !== 'object' || answer === null) {
    throw new IdentityError('bad_request', 'A fault answer must be an object');
  }
  if ('hang' in answer) {
    if (answer.hang !== true) throw new IdentityError('bad_request', 'hang must be true');
    return { hang: true };
  }
  const { status, headers, body } = answer;
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new IdentityError('bad_request', 'status must be an integer from 200 to 599');
  }
  return { status, headers: validHeaders(headers), body };
}

function validHeaders(headers: unknown): Record<string, string> {
  const safe: Record<string, string> = {};
  if (headers === undefined) return safe;
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    throw new IdentityError('bad_request', 'headers must be an object of strings');
  }
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new IdentityError('bad_request', `header ${name} must be a string`);
    }
    if (name === '__proto__' || name === 'constructor' || name === 'prototype') continue;
    safe[name] = String(value);
  }
  return safe;
}

function fraction(value: unknown, field: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new IdentityError('bad_request', `${field} must be a number from 0 to 1`);
  }
  return value;
}

function nonNegative(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new IdentityError('bad_request', `${field} must be a non-negative number`);
  }
  return value;
}
