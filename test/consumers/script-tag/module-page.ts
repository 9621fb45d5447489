// A page module (bundled or served as type="module") that reads the global
// set by the script tag: a type-only import brings the declaration in.
import type {} from 'idsync-web/global';
import type { IdentityClient } from 'idsync-web';

export async function currentMpid(): Promise<string | undefined> {
  const client: IdentityClient = await window.IDSync.ready();
  return client.currentUser?.mpid;
}
