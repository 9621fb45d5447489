/**
 * What both halves of the IDSync v1 codec agree on (docs/wire-format.md):
 * the SDK's signature in request bodies and how identity types are spelt on
 * the wire. The MPID rule (validation/mpid.ts), the plain-object check and
 * the refused keys (validation/plain.ts) are the ones the whole package uses.
 */
import { isIdentityType, type IdentityType } from '../identity-types';
import { SDK_VERSION } from '../version';

/** `client_sdk` of every identity and modify request this SDK sends. */
export const CLIENT_SDK = { platform: 'web', sdk_vendor: 'idsync-web', sdk_version: SDK_VERSION };

/**
 * An identity type as it may arrive on the wire: our own names, or the
 * `other_id_N` spelling other IDSync clients use for other2…other10.
 * `undefined` for anything else, refused keys included.
 */
export function wireIdentityType(name: unknown): IdentityType | undefined {
  const normalised = typeof name === 'string' ? name.replace(/^other_id_(\d+)$/, 'other$1') : name;
  return isIdentityType(normalised) ? normalised : undefined;
}
