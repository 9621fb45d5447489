import type { Logger, UserChangeEvent } from '../types';

export type Listener = (event: UserChangeEvent) => void;

export interface Listeners {
  subscribe(listener: Listener): () => void;
  /** Tells every listener; one that throws is logged and the others still hear it. */
  notify(event: UserChangeEvent): void;
}

export function createListeners(logger: Logger): Listeners {
  const listeners = new Set<Listener>();
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    notify(event) {
      for (const listener of [...listeners]) {
        try {
          listener(event);
        } catch (error) {
          logger.error('[idsync] a user change listener threw', error);
        }
      }
    },
  };
}
