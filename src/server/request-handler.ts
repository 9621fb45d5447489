/**
 * The order of checks every request passes: the Host check
 * (http/host-header.ts), the Origin check and preflight (http/cors.ts),
 * routing (http/routing.ts), the API key (http/auth.ts), the body limits
 * (http/body.ts), fault injection (faults.ts) and finally its handler
 * (handlers.ts). Each step either answers or lets the request on.
 */
import type { IncomingMessage } from 'node:http';
import type { Faults } from './faults';
import { answerApi, answerFaults, answerProfiles, type ApiContext } from './handlers';
import { errorAnswer, HttpAnswer, notAllowed } from './http/answer';
import { checkApiKey } from './http/auth';
import { readBody, type BodyLimits } from './http/body';
import type { OriginPolicy } from './http/cors';
import { route, type Route } from './http/routing';
import type { ProfilePages } from './profile-pages';

/** Everything a request is checked and answered with, built once per server. */
export interface RequestPolicy {
  hostAllowed: (header: string | undefined) => boolean;
  origins: OriginPolicy;
  keyMatches: ((given: unknown) => boolean) | undefined;
  limits: BodyLimits;
  faults: Faults;
  /** the fault settings `DELETE /v1/_faults` returns to */
  initialFaults: { failRate: number; latencyMs: number };
  faultsApi: boolean;
  random: () => number;
  profiles: ProfilePages;
  api: ApiContext;
}

/** The answer to a request; `null` sends nothing (a queued hang, a client gone). */
export async function handleRequest(
  policy: RequestPolicy,
  req: IncomingMessage,
  pathname: string,
  search: URLSearchParams,
): Promise<HttpAnswer | null> {
  if (!policy.hostAllowed(req.headers.host)) {
    return errorAnswer(403, 'forbidden_host', 'This server does not answer to that Host');
  }
  if (req.method === 'OPTIONS') return policy.origins.preflight(req);
  if (!policy.origins.allows(req)) {
    return errorAnswer(403, 'forbidden_origin', 'This origin may not call this server');
  }
  const target = route(pathname);
  if (target === null || (target.kind === 'faults' && !policy.faultsApi)) {
    return errorAnswer(404, 'not_found', 'No such endpoint');
  }
  const unauthorized = checkApiKey(policy.keyMatches, target, req);
  if (unauthorized) return unauthorized;
  if (target.kind === 'profiles') {
    return req.method === 'GET' ? answerProfiles(search, policy.profiles) : notAllowed('GET');
  }
  if (target.kind === 'faults' && req.method === 'DELETE') {
    policy.faults.clear();
    Object.assign(policy.faults, policy.initialFaults);
    return new HttpAnswer(204, undefined);
  }
  if (req.method !== 'POST') return notAllowed(target.kind === 'faults' ? 'POST, DELETE' : 'POST');
  const body = await readBody(req, policy.limits);
  if (!body.ok) return body.answer;
  if (target.kind === 'faults') return answerFaults(policy.faults, body.text);
  return answerWithFaults(policy, target, body.text);
}

/** Injected faults come after the key check: only a client with the key sees them. */
async function answerWithFaults(
  policy: RequestPolicy,
  target: Route,
  text: string,
): Promise<HttpAnswer | null> {
  const { faults } = policy;
  if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
  const fault = faults.next();
  if (fault !== undefined) {
    if ('hang' in fault) return null; // never answered: the client's timeout must fire
    return new HttpAnswer(fault.status, fault.body, fault.headers);
  }
  if (faults.failRate > 0 && policy.random() < faults.failRate) {
    return errorAnswer(503, 'injected_fault', 'Injected failure (fail rate)');
  }
  return answerApi(target, text, policy.api);
}
