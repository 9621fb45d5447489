import { IdentityError } from './errors';

/**
 * Code that loads on first need (a dynamic import of one of the package's own
 * chunks): loaded once and kept. A load that fails (the network, a deploy
 * that removed the chunk) rejects with IdentityError 'network' and is tried
 * again on the next need, never remembered as a failure. A load built on
 * another lazy load passes that one's IdentityError on as it is.
 */
export function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () =>
    (loading ??= load().catch((cause: unknown) => {
      loading = undefined;
      throw cause instanceof IdentityError
        ? cause
        : new IdentityError('network', 'could not load a part of idsync-web', { cause });
    }));
}
