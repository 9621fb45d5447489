import type { BackendRequest } from '../../src/types';

export interface Call {
  url: string;
  init: RequestInit;
  body: Record<string, unknown>;
}

export type Reply = Response | Error | 'hang' | (() => Response | Promise<Response>);

/**
 * A scripted `fetch`: answers with the queued replies in order (the last one
 * repeats) and records every call. 'hang' waits until the request is aborted.
 */
export function scriptedFetch(...replies: Reply[]) {
  const calls: Call[] = [];
  const fetch = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    calls.push({ url: String(input), init, body: JSON.parse(String(init.body)) });
    const reply = replies.length > 1 ? replies.shift()! : replies[0]!;
    if (reply === 'hang') {
      return new Promise<Response>((_, reject) => {
        init.signal?.addEventListener('abort', () =>
          reject(new DOMException('The operation was aborted.', 'AbortError')),
        );
      });
    }
    if (reply instanceof Error) throw reply;
    return typeof reply === 'function' ? reply() : reply;
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

/**
 * jsdom has no `Response`: a stand-in with the three members HttpBackend
 * reads (status, headers.get, text).
 */
export function answer(status: number, text: string, headers: Record<string, string> = {}) {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    status,
    ok: status >= 200 && status < 300,
    headers: { get: (name: string) => lower.get(name.toLowerCase()) ?? null },
    text: async () => text,
  } as unknown as Response;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return answer(status, JSON.stringify(body), { 'content-type': 'application/json', ...headers });
}

export const ok = (mpid: string, extra: Record<string, unknown> = {}) =>
  json(200, { mpid, is_logged_in: false, matched_identities: {}, context: null, ...extra });

export function request(overrides: Partial<BackendRequest> = {}): BackendRequest {
  return {
    knownIdentities: { device_application_stamp: 'dev-1' },
    previousMpid: null,
    environment: 'development',
    requestTimestampMs: 1_700_000_000_000,
    ...overrides,
  };
}

/** A sleep that only records: retries run without waiting. */
export function recordingSleep() {
  const delays: number[] = [];
  const sleep = async (ms: number) => {
    delays.push(ms);
  };
  return { sleep, delays };
}
