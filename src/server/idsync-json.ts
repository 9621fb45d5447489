/**
 * The server's view of the IDSync v1 codec: its decode-requests /
 * encode-answers half lives in src/idsync-v1/server.ts, next to the client's
 * half, so both directions follow one set of rules (docs/wire-format.md).
 */
export {
  errorBody,
  identityAnswer,
  identityType,
  modifyAnswer,
  parseAliasRequest,
  parseIdentityRequest,
  parseModifyRequest,
  requireMpid,
  requireObject,
  statusOf,
} from '../idsync-v1/server';
