/**
 * @jest-environment node
 *
 * The server hands its backend the CallContext each IDSync v1 request
 * carries, as the client hands it to a backend in the page: what the page's
 * client gives HttpBackend arrives at the resolver behind the server.
 */
import { HttpBackend } from '../../src/backends/http/http-backend';
import { parseServerArgs } from '../../src/server/args';
import { runServer, type RunningServer } from '../../src/server/run';
import { createIdsyncServer } from '../../src/server/server';
import type { BackendRequest, CallContext, ModifyRequest } from '../../src/types';
import { fakeBackend } from './fake-backend';

const closing: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(closing.splice(0).map((s) => s.close()));
});

async function start() {
  const fake = fakeBackend();
  const server = createIdsyncServer({ backend: fake.backend, profiles: fake.profiles });
  closing.push(server);
  const { url } = await server.listen(0);
  const http = new HttpBackend({ baseUrl: url, apiKey: 'key-1', retry: false });
  return { ...fake, url, http };
}

/** What the page's client hands a backend: the device id is also among the request's identities. */
const ctx: CallContext = { environment: 'development', deviceId: 'dev-1', context: 'ctx-41' };
const req: BackendRequest = {
  knownIdentities: { email: 'a@x.test', device_application_stamp: 'dev-1' },
  previousMpid: null,
  environment: 'development',
  requestTimestampMs: 1_700_000_000_000,
};

const post = (url: string, body: unknown) =>
  fetch(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });

test('identify, login and logout hand the backend the environment, device id and context sent', async () => {
  const { http, contexts } = await start();
  await http.identify(req, ctx);
  await http.login(req, ctx);
  await http.logout(req, { ...ctx, context: null });
  expect(contexts).toEqual([
    { method: 'identify', ctx },
    { method: 'login', ctx },
    { method: 'logout', ctx: { ...ctx, context: null } },
  ]);
});

test('modify hands over its environment; its body names no device and no context', async () => {
  const { http, contexts } = await start();
  const modify: ModifyRequest = {
    identityChanges: [{ identityType: 'email', oldValue: null, newValue: 'b@x.test' }],
    environment: 'development',
    requestTimestampMs: 1,
  };
  await http.modify('1234', modify, ctx);
  expect(contexts).toEqual([
    { method: 'modify', ctx: { environment: 'development', deviceId: '', context: null } },
  ]);
});

test('alias hands over the environment and the device id of its envelope', async () => {
  const { http, contexts } = await start();
  const alias = { sourceMpid: '1', destinationMpid: '2', startTime: 1, endTime: 2 };
  expect(await http.alias(alias, ctx)).toEqual({ httpCode: 202 });
  expect(contexts).toEqual([{ method: 'alias', ctx: { ...ctx, context: null } }]);
});

test('a request from another IDSync client without device id or context gets production, "" and null', async () => {
  const { url, contexts } = await start();
  const res = await post(`${url}/identify`, { known_identities: { email: 'a@x.test' } });
  expect(res.status).toBe(200);
  expect(contexts).toEqual([
    { method: 'identify', ctx: { environment: 'production', deviceId: '', context: null } },
  ]);
});

test.each([
  ['identify', { known_identities: {}, context: 5 }, /context must be a string or null/],
  [
    'identity/k/Alias',
    {
      environment: 'staging',
      data: { source_mpid: '1', destination_mpid: '2', start_unixtime_ms: 1, end_unixtime_ms: 2 },
    },
    /environment must be/,
  ],
  [
    'identity/k/Alias',
    {
      data: {
        source_mpid: '1',
        destination_mpid: '2',
        start_unixtime_ms: 1,
        end_unixtime_ms: 2,
        device_application_stamp: 7,
      },
    },
    /data\.device_application_stamp must be a non-empty string/,
  ],
])(
  'POST %s with a malformed context field is a 400 that names it; the backend is not called',
  async (path, body, message) => {
    const { url, calls, contexts } = await start();
    const res = await post(`${url}/${path}`, body);
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { errors: { message: string }[] };
    expect(answer.errors[0]!.message).toMatch(message);
    expect(calls).toHaveLength(0);
    expect(contexts).toHaveLength(0);
  },
);

test('npm run server: the LocalResolver behind it gets the context with each call', async () => {
  const server: RunningServer = await runServer(
    parseServerArgs(['--port', '0', '--quiet', '--store', 'memory']),
    () => {},
  );
  closing.push(server);
  const login = jest.spyOn(server.resolver, 'login');
  const http = new HttpBackend({ baseUrl: server.url, apiKey: 'key-1', retry: false });
  const answer = await http.login(req, ctx);
  expect(answer.isLoggedIn).toBe(true);
  expect(login).toHaveBeenCalledTimes(1);
  expect(login.mock.calls[0]![1]).toEqual(ctx);
});
