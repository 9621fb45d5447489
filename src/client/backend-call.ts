import { IdentityError } from '../errors';

/**
 * Calls the backend and makes sure that whatever goes wrong surfaces as an
 * IdentityError: the backend's own errors pass through unchanged, anything
 * else (a TypeError from fetch, a bug) becomes 'network' with its cause.
 */
export async function callBackend<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof IdentityError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new IdentityError('network', `backend call failed: ${message}`, { cause: error });
  }
}
