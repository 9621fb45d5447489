/// <reference types="idsync-web/global" />
// A page script (no import, no export) that uses the global of the script-tag
// bundle. README's own script-tag examples are checked beside it.

IDSync.init({
  backend: (lib) => new lib.LocalResolver({ strategy: 'isolation' }),
  copyOnUserChange: { attributes: true },
}).then((client) => client.deviceId.length);

// The page's calls keep their types: a request in, an IdentityResult out.
IDSync.login({ userIdentities: { customerid: 'ABC123' } }).then((result) => {
  const mpid: string = result.mpid;
  const changed: boolean = result.userChanged;
  return result.user.setAttribute('plan', mpid.length > 0 && changed ? 'pro' : 'free');
});

IDSync.ready().then((client) => {
  const unsubscribe: () => void = client.subscribe(({ type }) => console.log(type));
  unsubscribe();
});

// The library's exports are there too, with their real classes.
const direct: Promise<import('idsync-web').IdentityClient> = IDSync.createIdentity({
  backend: new IDSync.HttpBackend({ baseUrl: 'https://identity.example.com/v1', apiKey: 'key' }),
  storage: 'memory',
});
direct.catch((error: unknown) => {
  if (error instanceof IDSync.IdentityError && error.code === 'network')
    console.warn(error.message);
});

const maybeClient: import('idsync-web').IdentityClient | null = window.IDSync.getClient();
console.log(maybeClient?.currentUser?.mpid, globalThis.IDSync.IDENTITY_TYPES.length);

// Mistakes a page can make are type errors.
// @ts-expect-error: login needs a request
IDSync.login();
// @ts-expect-error: not an identity type
IDSync.identify({ userIdentities: { nickname: 'ed' } });
// @ts-expect-error: init needs a backend
IDSync.init({});
// @ts-expect-error: no such strategy
new IDSync.LocalResolver({ strategy: 'nearest' });
