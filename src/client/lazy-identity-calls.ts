import { lazy } from '../lazy';
import type { CallContext } from '../types';
import type { Committer } from './committer';
import type { IdentityCallParts, IdentityCalls } from './identity-calls';
import type { ClientOptions } from './options';

/** What every backend call gets: environment, device id, the service's latest context. */
export function callContextOf(options: ClientOptions, committer: Committer): CallContext {
  return {
    environment: options.environment,
    deviceId: committer.deviceId,
    context: committer.context,
  };
}

/**
 * The identity calls (identity-calls.ts, with the exchange with the backend
 * and the device lock) load on the first call: start-up with a stored user
 * runs none of them. Every call goes through the same load, so calls keep the
 * order in which they were made; a failed load is the call's IdentityError
 * 'network', and the next call tries again.
 */
export function lazyIdentityCalls(parts: IdentityCallParts): IdentityCalls {
  let loaded: IdentityCalls | undefined;
  let waiting = 0;
  const load = lazy(() =>
    import('./identity-calls').then((code) => (loaded = code.createIdentityCalls(parts))),
  );
  // Once loaded, a call runs at once, as if the code were here; until then,
  // and while earlier calls still wait for it, a call waits behind them.
  const run = <T>(use: (calls: IdentityCalls) => Promise<T>): Promise<T> => {
    if (loaded !== undefined && waiting === 0) return use(loaded);
    waiting += 1;
    return load().then(
      (calls) => {
        waiting -= 1;
        return use(calls);
      },
      (error: unknown) => {
        waiting -= 1;
        throw error;
      },
    );
  };
  return {
    callContext: () => callContextOf(parts.options, parts.committer),
    send: (kind, request) => run((calls) => calls.send(kind, request)),
    modify: (request) => run((calls) => calls.modify(request)),
    identifyOnStart: (request) => run((calls) => calls.identifyOnStart(request)),
    inTurn: (task) => run((calls) => calls.inTurn(task)),
  };
}
