/**
 * What each endpoint does once a request is allowed in: the IDSync calls
 * (identify, login, logout, modify, alias), the profile listing and the
 * fault settings. Each returns the answer to send; none touches the socket.
 */
import { IdentityError } from '../errors';
import type { IdentityBackend } from '../types';
import { configureFaults, type Faults } from './faults';
import { errorAnswer, HttpAnswer } from './http/answer';
import type { Route } from './http/routing';
import {
  errorBody,
  identityAnswer,
  modifyAnswer,
  parseAliasRequest,
  parseIdentityRequest,
  parseModifyRequest,
  statusOf,
} from './idsync-json';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type ProfilePages } from './profile-pages';

export interface ApiContext {
  backend: IdentityBackend;
  now: () => number;
  /** the `context` string handed to the client with each answer */
  nextContext: () => string;
  /** where the cause of a storage failure goes: the client hears only that it failed */
  log?: (line: string) => void;
}

/** An IDSync call: parse, ask the backend, encode its answer. */
export async function answerApi(target: Route, text: string, ctx: ApiContext) {
  try {
    const body = parseBody(text);
    switch (target.kind) {
      case 'identity': {
        const response = await ctx.backend[target.call](parseIdentityRequest(body, ctx.now()));
        return new HttpAnswer(200, identityAnswer(response, ctx.nextContext()));
      }
      case 'modify': {
        const request = parseModifyRequest(body, ctx.now());
        const response = await ctx.backend.modify(target.mpid, request);
        return new HttpAnswer(200, modifyAnswer(request, response, ctx.nextContext()));
      }
      case 'alias': {
        const { httpCode } = await ctx.backend.alias(parseAliasRequest(body));
        return new HttpAnswer(httpCode >= 200 && httpCode < 300 ? httpCode : 202, undefined);
      }
      default:
        return errorAnswer(404, 'not_found', 'No such endpoint');
    }
  } catch (error) {
    if (!(error instanceof IdentityError)) throw error;
    if (error.code === 'storage' && error.cause !== undefined) {
      ctx.log?.(`storage error: ${describe(error.cause)}`);
    }
    return identityErrorAnswer(error);
  }
}

export function identityErrorAnswer(error: IdentityError): HttpAnswer {
  const status = statusOf(error);
  const headers: Record<string, string> = {};
  if (status === 429 && error.retryAfterMs !== undefined) {
    headers['Retry-After'] = String(Math.ceil(error.retryAfterMs / 1000));
  }
  return new HttpAnswer(status, errorBody(error.code, error.message), headers);
}

/**
 * `GET /v1/_profiles?limit=N&cursor=C`: `{ profiles, next_cursor }`, where
 * `next_cursor` (null on the last page) is passed back as `cursor` for the next page.
 */
export async function answerProfiles(search: URLSearchParams, pages: ProfilePages) {
  const limitText = search.get('limit');
  const limit = limitText === null ? DEFAULT_PAGE_SIZE : Number(limitText);
  if (!/^\d+$/.test(limitText ?? '1') || limit < 1 || limit > MAX_PAGE_SIZE) {
    const message = `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`;
    return errorAnswer(400, 'bad_request', message);
  }
  const cursor = search.get('cursor');
  // One more than asked: whether there is a next page is known without another query.
  const found = await pages.page(cursor === '' ? null : cursor, limit + 1);
  const profiles = found.slice(0, limit);
  const next = found.length > limit ? profiles[profiles.length - 1]!.mpid : null;
  return new HttpAnswer(200, { profiles, next_cursor: next });
}

export function answerFaults(faults: Faults, text: string): HttpAnswer {
  try {
    configureFaults(faults, parseBody(text));
    return new HttpAnswer(200, {
      queued: faults.queued,
      failRate: faults.failRate,
      latencyMs: faults.latencyMs,
    });
  } catch (error) {
    if (!(error instanceof IdentityError)) throw error;
    return errorAnswer(400, 'bad_request', error.message);
  }
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new IdentityError('bad_request', `Request body is not valid JSON: ${reason}`, {
      httpCode: 400,
    });
  }
}

export function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
