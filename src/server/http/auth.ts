/**
 * The API key: when the server has one, every route needs it: the identity
 * calls, modify and `_profiles`/`_faults` in the `x-mp-key` header, alias in
 * its path (as IDSync's alias endpoint carries it).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { errorAnswer, type HttpAnswer } from './answer';
import type { Route } from './routing';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Compares in constant time: both sides are hashed first, so neither the
 * length nor the first differing byte of the key shows in the answer time.
 */
export function keyChecker(apiKey: string): (given: unknown) => boolean {
  const expected = digest(apiKey);
  return (given) => typeof given === 'string' && timingSafeEqual(expected, digest(given));
}

/** `null` when the request may go on, else the 401 to send. */
export function checkApiKey(
  matches: ((given: unknown) => boolean) | undefined,
  target: Route,
  req: IncomingMessage,
): HttpAnswer | null {
  if (matches === undefined) return null;
  const alias = target.kind === 'alias';
  if (matches(alias ? target.apiKey : req.headers['x-mp-key'])) return null;
  const where = alias ? 'API key in the alias path' : 'x-mp-key header';
  return errorAnswer(401, 'unauthorized', `Missing or wrong ${where}`);
}
