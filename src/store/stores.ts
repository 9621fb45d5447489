import type { ClientStore } from './client-store';
import type { OutboxStore } from './outbox';

/**
 * Everything the client keeps on this device, as two stores side by side over
 * one database: the users (and device) and the alias outbox. Closing the
 * client store closes the database; the outbox store then refuses its work.
 */
export interface ClientStores {
  client: ClientStore;
  outbox: OutboxStore;
}
