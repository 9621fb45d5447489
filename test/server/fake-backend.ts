import { IdentityError } from '../../src/errors';
import { pagesFromList } from '../../src/server/profile-pages';
import type {
  AliasRequest,
  BackendRequest,
  BackendResponse,
  IdentityBackend,
  ModifyRequest,
  Profile,
} from '../../src/types';

/** Records what reaches the backend; answers with a fixed profile, or fails on demand. */
export function fakeBackend() {
  const calls: { method: string; args: unknown[] }[] = [];
  let failure: IdentityError | undefined;
  const answer = (method: string, ...args: unknown[]): BackendResponse => {
    calls.push({ method, args });
    if (failure) throw failure;
    return { httpCode: 200, mpid: '1234', isLoggedIn: method === 'login', matchedIdentities: {} };
  };
  const backend: IdentityBackend = {
    identify: async (req: BackendRequest) => answer('identify', req),
    login: async (req: BackendRequest) => answer('login', req),
    logout: async (req: BackendRequest) => answer('logout', req),
    modify: async (mpid: string, req: ModifyRequest) => ({ ...answer('modify', mpid, req), mpid }),
    alias: async (req: AliasRequest) => {
      answer('alias', req);
      return { httpCode: 202 };
    },
  };
  const profiles = pagesFromList(async (): Promise<Profile[]> => [
    {
      mpid: '1234',
      identities: { email: 'a@x.test' },
      isKnown: true,
      createdAt: 1,
      lastSeen: 2,
      activity: [],
      aliasedFrom: [],
    },
  ]);
  return {
    backend,
    profiles,
    calls,
    failWith(error: IdentityError | undefined) {
      failure = error;
    },
  };
}
