import { IdentityError } from '../../errors';
import { randomUuid } from '../../uuid';
import type {
  AliasRequest,
  BackendRequest,
  BackendResponse,
  CallContext,
  IdentityBackend,
  ModifyRequest,
} from '../../types';
import { delayFor, IDENTITY_RETRY, resolvePolicy, type RetryPolicy } from '../../retry';
import {
  aliasBody,
  errorForStatus,
  identityBody,
  modifyBody,
  parseIdentityAnswer,
} from '../../idsync-v1/client';

/** The options of `HttpBackend`. */
export interface HttpBackendOptions {
  /** where the IDSync v1 endpoints live, e.g. `https://identity.example.com/v1` */
  baseUrl: string;
  /** the API key of the service (the `x-mp-key` header; in the body for alias) */
  apiKey: string;
  /** base of the alias endpoint (`{aliasUrl}/identity/{apiKey}/Alias`); default `baseUrl` */
  aliasUrl?: string;
  /** per try; default 10 000 */
  timeoutMs?: number;
  /**
   * fields override IDENTITY_RETRY; `false`: one try. Alias sends use it too:
   * the client's alias outbox adds the patience (ALIAS_RETRY) across reloads.
   */
  retry?: Partial<RetryPolicy> | false;
  /** testing hook: replaces the global `fetch` */
  fetch?: typeof fetch;
  /** testing hook: how retries wait (default: setTimeout) */
  sleep?: (ms: number) => Promise<void>;
  /** testing hook: the jitter source (default: Math.random) */
  random?: () => number;
}

interface Answer {
  status: number;
  body: unknown;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * The IDSync v1 HTTP API, over `fetch`. Stateless: the service's context, the
 * environment and the device id come with each call (`CallContext`), and a new
 * context goes back to the client in the response, which persists it.
 */
export class HttpBackend implements IdentityBackend {
  private readonly baseUrl: string;
  private readonly aliasUrl: string;
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private readonly identityRetry: RetryPolicy;
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(options: HttpBackendOptions) {
    // Plain-JS callers may pass nothing at all: say what is missing, not "undefined".
    options = options ?? ({} as HttpBackendOptions);
    const { baseUrl, apiKey, aliasUrl, timeoutMs = DEFAULT_TIMEOUT_MS } = options;
    if (typeof baseUrl !== 'string' || baseUrl === '') {
      throw new IdentityError('validation', 'HttpBackend: baseUrl must be a non-empty string');
    }
    if (typeof apiKey !== 'string' || apiKey === '') {
      throw new IdentityError('validation', 'HttpBackend: apiKey must be a non-empty string');
    }
    if (aliasUrl !== undefined && (typeof aliasUrl !== 'string' || aliasUrl === '')) {
      throw new IdentityError('validation', 'HttpBackend: aliasUrl must be a non-empty string');
    }
    if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
      throw new IdentityError('validation', 'HttpBackend: timeoutMs must be a positive number');
    }
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.aliasUrl = (aliasUrl ?? baseUrl).replace(/\/+$/, '');
    this.apiKey = apiKey;
    this.timeoutMs = timeoutMs;
    this.identityRetry = resolvePolicy(IDENTITY_RETRY, options.retry);
    // Called through a wrapper, never stored bare: `window.fetch` throws
    // "Illegal invocation" when called with another `this`.
    this.fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  identify(req: BackendRequest, ctx?: CallContext): Promise<BackendResponse> {
    return this.identityCall('identify', req, ctx);
  }

  login(req: BackendRequest, ctx?: CallContext): Promise<BackendResponse> {
    return this.identityCall('login', req, ctx);
  }

  logout(req: BackendRequest, ctx?: CallContext): Promise<BackendResponse> {
    return this.identityCall('logout', req, ctx);
  }

  async modify(mpid: string, req: ModifyRequest, _ctx?: CallContext): Promise<BackendResponse> {
    const url = `${this.baseUrl}/${encodeURIComponent(mpid)}/modify`;
    const answer = await this.send(url, modifyBody(req, randomUuid()), this.identityHeaders());
    return parseIdentityAnswer(answer.status, answer.body, mpid);
  }

  /**
   * Sent with `keepalive`, so that an alias requested while the page unloads
   * still leaves. Retried like an identity call, briefly: the patient,
   * persistent retrying is the client's alias outbox (ALIAS_RETRY), and two
   * layers of long backoff would keep one send pending for minutes. The
   * environment and device id, which AliasRequest lacks, come from `ctx`.
   */
  async alias(
    req: AliasRequest,
    ctx?: CallContext,
  ): Promise<{
    /** 202 (or 200): accepted */
    httpCode: number;
  }> {
    const url = `${this.aliasUrl}/identity/${encodeURIComponent(this.apiKey)}/Alias`;
    const body = aliasBody(req, {
      apiKey: this.apiKey,
      requestId: randomUuid(),
      environment: ctx?.environment ?? 'production',
      deviceId: ctx?.deviceId,
    });
    const answer = await this.send(url, body, { 'content-type': 'application/json' }, true);
    return { httpCode: answer.status };
  }

  private async identityCall(
    path: string,
    req: BackendRequest,
    ctx: CallContext | undefined,
  ): Promise<BackendResponse> {
    const body = identityBody(req, randomUuid(), ctx?.context ?? null);
    const answer = await this.send(`${this.baseUrl}/${path}`, body, this.identityHeaders());
    return parseIdentityAnswer(answer.status, answer.body);
  }

  private identityHeaders(): Record<string, string> {
    return { 'content-type': 'application/json', 'x-mp-key': this.apiKey };
  }

  /**
   * Tries until a 2xx, or until the policy gives up; the same request_id on
   * every try. Only alias is `keepalive`: it may be sent while the page unloads.
   */
  private async send(
    url: string,
    body: unknown,
    headers: Record<string, string>,
    keepalive = false,
  ): Promise<Answer> {
    const policy = this.identityRetry;
    const json = JSON.stringify(body);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.tryOnce(url, json, headers, keepalive);
      } catch (error) {
        const delay = delayFor(policy, attempt, error, this.random);
        if (delay === undefined) throw error;
        await this.sleep(delay);
      }
    }
  }

  private async tryOnce(
    url: string,
    json: string,
    headers: Record<string, string>,
    keepalive: boolean,
  ): Promise<Answer> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    // One mapping for a failed fetch and a body that stops half-way.
    const failure = (cause: unknown) =>
      timedOut
        ? new IdentityError('timeout', `No answer from ${url} within ${this.timeoutMs} ms`, {
            cause,
          })
        : new IdentityError('network', `Request to ${url} failed`, { cause });
    try {
      let response: Response;
      let text: string;
      try {
        response = await this.fetchFn(url, {
          method: 'POST',
          headers,
          body: json,
          keepalive,
          signal: controller.signal,
        });
        text = await response.text();
      } catch (cause) {
        throw failure(cause);
      }
      const body = parseJson(text);
      if (response.status < 200 || response.status > 299) {
        throw errorForStatus(
          response.status,
          body,
          response.headers.get('retry-after'),
          Date.now(),
        );
      }
      return { status: response.status, body };
    } finally {
      clearTimeout(timer);
    }
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
