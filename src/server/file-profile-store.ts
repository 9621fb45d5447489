/**
 * The server's `--data FILE` store: the in-memory store, written to a JSON
 * file after every change. Writes go to `FILE.tmp` and are renamed over FILE,
 * so a crash mid-write leaves the previous file whole, never half of one.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { IdentityError } from '../errors';
import { MemoryProfileStore } from '../backends/local/memory-profile-store';
import type {
  PendingAlias,
  ProfileLookup,
  ProfileStore,
  ProfileWrites,
} from '../backends/local/profile-store';
import type { Profile } from '../types';

export interface StoreSnapshot {
  profiles: Profile[];
  aliases: PendingAlias[];
}

export class FileProfileStore implements ProfileStore {
  /** one write at a time, in order: two renames must not race */
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private readonly memory: MemoryProfileStore,
  ) {}

  /** Loads FILE when it exists; a missing file is an empty store, a corrupt one an error. */
  static async open(file: string): Promise<FileProfileStore> {
    let text: string | undefined;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const initial = text === undefined ? undefined : parseSnapshot(text, file);
    return new FileProfileStore(file, new MemoryProfileStore(initial));
  }

  async transact<T>(
    decide: (lookup: ProfileLookup) => Promise<{ result: T; writes: ProfileWrites }>,
  ): Promise<T> {
    let wrote = false;
    const result = await this.memory.transact(async (lookup) => {
      const decision = await decide(lookup);
      wrote = decision.writes.put.length > 0;
      return decision;
    });
    if (wrote) await this.persist();
    return result;
  }

  all(): Promise<Profile[]> {
    return this.memory.all();
  }

  get(mpid: string): Promise<Profile | null> {
    return this.memory.get(mpid);
  }

  async addAlias(alias: PendingAlias): Promise<void> {
    await this.memory.addAlias(alias);
    await this.persist();
  }

  pendingAliases(): Promise<PendingAlias[]> {
    return this.memory.pendingAliases();
  }

  async removeAlias(id: string): Promise<void> {
    await this.memory.removeAlias(id);
    await this.persist();
  }

  async close(): Promise<void> {
    await this.writing.catch(() => undefined);
    await this.memory.close();
  }

  /**
   * Writes the whole store. A failed write rejects the call with `storage`;
   * memory keeps the change and the next successful write carries it to disk.
   */
  private persist(): Promise<void> {
    const write = async () => {
      const tmp = `${this.file}.tmp`;
      try {
        await writeFile(tmp, JSON.stringify(await this.memory.snapshot(), null, 2));
        await rename(tmp, this.file);
      } catch (cause) {
        throw new IdentityError('storage', `Could not write ${this.file}`, { cause });
      }
    };
    this.writing = this.writing.catch(() => undefined).then(write);
    return this.writing;
  }
}

/** Our own file, but maybe edited by hand: check its shape, drop `__proto__` keys. */
export function parseSnapshot(text: string, file: string): StoreSnapshot {
  let json: unknown;
  try {
    json = JSON.parse(text, (key, value: unknown) => (key === '__proto__' ? undefined : value));
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const { profiles, aliases = [] } = (json ?? {}) as Partial<StoreSnapshot>;
  if (!Array.isArray(profiles) || !Array.isArray(aliases)) {
    throw new Error(`${file} must hold { "profiles": [...], "aliases": [...] }`);
  }
  for (const profile of profiles) {
    if (typeof profile?.mpid !== 'string' || typeof profile.identities !== 'object') {
      throw new Error(`${file}: every profile needs an mpid and identities`);
    }
  }
  for (const alias of aliases) {
    if (typeof alias?.id !== 'string' || typeof alias.request !== 'object') {
      throw new Error(`${file}: every pending alias needs an id and a request`);
    }
  }
  return { profiles, aliases };
}
