import { IdentityError } from '../../src/errors';
import type { UserRecord } from '../../src/store/client-store';
import type {
  AliasRequest,
  BackendRequest,
  BackendResponse,
  CallContext,
  IdentityBackend,
  Identities,
  Logger,
  ModifyRequest,
} from '../../src/types';

export type Method = 'identify' | 'login' | 'logout' | 'modify' | 'alias';

export interface RecordedCall {
  method: Method;
  /** modify only */
  mpid?: string;
  request: BackendRequest | ModifyRequest | AliasRequest;
  /** what the client passed as the call's context */
  ctx?: CallContext;
}

/**
 * A scriptable IdentityBackend for client tests. Deterministic rule: a
 * request with a customerid (else an email) is the known user of that login
 * id; without one it is the anonymous user of its device_application_stamp.
 * Each new key gets the next MPID: '1001', '1002', ...
 */
export interface FakeBackend extends IdentityBackend {
  readonly calls: RecordedCall[];
  /** The next call rejects with this (anything: IdentityError or not). */
  failNext(error: unknown): void;
  /** The next call waits until the returned function is called. */
  holdNext(): () => void;
  /** The next call answers with this response instead of the rule's. */
  answerNext(response: unknown): void;
  /** The MPID the rule gives a key such as 'customerid:ABC' or 'device:<stamp>'. */
  mpidOf(key: string): string | undefined;
}

type Script = { fail: unknown } | { hold: Promise<void> } | { answer: unknown };

export function createFakeBackend(): FakeBackend {
  const calls: RecordedCall[] = [];
  const scripts: Script[] = [];
  const mpids = new Map<string, string>();
  let nextMpid = 1001;

  const mpidFor = (key: string): string => {
    let mpid = mpids.get(key);
    if (mpid === undefined) {
      mpid = String(nextMpid++);
      mpids.set(key, mpid);
    }
    return mpid;
  };

  const run = async <T>(answer: () => T): Promise<T> => {
    const script = scripts.shift();
    if (script === undefined) return answer();
    if ('fail' in script) throw script.fail;
    if ('hold' in script) {
      await script.hold;
      return answer();
    }
    return script.answer as T;
  };

  const resolve = (req: BackendRequest): BackendResponse => {
    const ids = req.knownIdentities;
    const login = ids.customerid !== undefined ? `customerid:${ids.customerid}` : undefined;
    const loginOrEmail = login ?? (ids.email !== undefined ? `email:${ids.email}` : undefined);
    const key = loginOrEmail ?? `device:${ids.device_application_stamp ?? ''}`;
    return {
      httpCode: 200,
      mpid: mpidFor(key),
      isLoggedIn: loginOrEmail !== undefined,
      matchedIdentities: { ...ids },
    };
  };

  const identityCall =
    (method: 'identify' | 'login' | 'logout') => (req: BackendRequest, ctx?: CallContext) => {
      calls.push({ method, request: structuredClone(req), ctx: structuredClone(ctx) });
      return run(() => resolve(req));
    };

  return {
    calls,
    identify: identityCall('identify'),
    login: identityCall('login'),
    logout: identityCall('logout'),
    modify(mpid: string, req: ModifyRequest, ctx?: CallContext) {
      calls.push({
        method: 'modify',
        mpid,
        request: structuredClone(req),
        ctx: structuredClone(ctx),
      });
      const matchedIdentities: Identities = {};
      for (const change of req.identityChanges) {
        if (change.newValue !== null) matchedIdentities[change.identityType] = change.newValue;
      }
      return run(() => ({ httpCode: 200, mpid, isLoggedIn: true, matchedIdentities }));
    },
    alias(req: AliasRequest, ctx?: CallContext) {
      calls.push({ method: 'alias', request: structuredClone(req), ctx: structuredClone(ctx) });
      return run(() => ({ httpCode: 202 }));
    },
    failNext(error: unknown) {
      scripts.push({ fail: error });
    },
    holdNext() {
      let release!: () => void;
      scripts.push({ hold: new Promise<void>((r) => (release = r)) });
      return release;
    },
    answerNext(response: unknown) {
      scripts.push({ answer: response });
    },
    mpidOf: (key: string) => mpids.get(key),
  };
}

export type SpyLogger = Logger & {
  debug: jest.Mock;
  info: jest.Mock;
  warn: jest.Mock;
  error: jest.Mock;
};

export function spyLogger(): SpyLogger {
  return { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };
}

let dbCounter = 0;
/** A fresh database per test: fake-indexeddb lives as long as the test file. */
export function freshDbName(): string {
  dbCounter += 1;
  return `idsync-test-${dbCounter}-${Math.random().toString(36).slice(2)}`;
}

export function identityError(code: IdentityError['code'], httpCode?: number): IdentityError {
  return new IdentityError(code, `fake ${code}`, httpCode === undefined ? {} : { httpCode });
}

/** A controllable clock: tests read and move time explicitly. */
export function fakeClock(start = 1_700_000_000_000): {
  now: () => number;
  advance(ms: number): void;
} {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

/** Everything a client holds, as plain data: compare before/after a call. */
export function stateOf(client: {
  currentUser: unknown;
  deviceId: string;
  getUsers(): unknown[];
}): unknown {
  return JSON.parse(
    JSON.stringify({
      currentUser: client.currentUser,
      deviceId: client.deviceId,
      users: client.getUsers(),
    }),
  );
}

/** A stored user seen at `lastSeen` (ms), logged in with one customer id: the records of eviction and sync tests. */
export function storedUser(mpid: string, lastSeen: number): UserRecord {
  return {
    mpid,
    identities: { customerid: `c${mpid}` },
    attributes: {},
    consent: {},
    isLoggedIn: true,
    firstSeen: lastSeen,
    lastSeen,
  };
}
