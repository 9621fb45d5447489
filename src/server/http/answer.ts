/**
 * What a route decides to send, and the one place that writes it: status,
 * JSON body, CORS headers, and whether the connection closes afterwards.
 */
import type { ServerResponse } from 'node:http';
import { errorBody } from '../idsync-json';

export class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
    /** close the connection once the answer is sent (a body we refused, a stalled client) */
    readonly close = false,
  ) {}
}

/**
 * An error answer. Messages are fixed texts or name a field of the request:
 * never a file path, a database address or the request URL.
 */
export function errorAnswer(status: number, code: string, message: string, close = false) {
  return new HttpAnswer(status, errorBody(code, message), {}, close);
}

export function notAllowed(allow: string): HttpAnswer {
  return new HttpAnswer(405, errorBody('method_not_allowed', `Use ${allow}`), { Allow: allow });
}

/** Sends `answer` unless something was sent already (a hang, a client that went away). */
export function writeAnswer(
  res: ServerResponse,
  answer: HttpAnswer,
  corsHeaders: Record<string, string>,
): void {
  if (res.headersSent || res.destroyed) return;
  const payload =
    answer.body === undefined
      ? ''
      : typeof answer.body === 'string'
        ? answer.body // a queued fault may send a deliberately broken body
        : JSON.stringify(answer.body);
  try {
    res.writeHead(answer.status, {
      ...corsHeaders,
      ...(payload === '' ? {} : { 'Content-Type': 'application/json; charset=utf-8' }),
      ...(answer.close ? { Connection: 'close' } : {}),
      ...answer.headers,
    });
  } catch {
    // An invalid queued header or status: say so instead of crashing.
    res.writeHead(500, { ...corsHeaders, 'Content-Type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(errorBody('internal', 'Invalid injected answer')));
    return;
  }
  res.end(payload);
}
