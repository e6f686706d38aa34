/**
 * One writer per collection at a time. Protections read a collection's permissions, change them
 * and write them back; two applies doing that at once (two policies on one collection, planned in
 * parallel by terraform or by two stacks' provider processes) would each write back a list
 * without the other's change. Directus has no locks of its own, so the lock is a row in the
 * protection store whose primary key Directus keeps unique: creating it is taking it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DirectusClient, DirectusError } from './client';
import { STORE, ensureStore } from './protection-store';

/** A lock older than this was left by an apply that died (a locked section takes seconds). */
export const STALE_LOCK_MS = 120_000;

export interface LockOptions {
  /** How long to wait for another apply's lock. @default 60 s */
  readonly waitMs?: number;
  /** The clock (tests move it). @default Date.now */
  readonly now?: () => number;
}

interface LockRow {
  readonly id: string;
  /** "(lock) <token>": each taking of the lock has its own token, so only that taking's row is ever deleted. */
  readonly protection_key: string;
  readonly record: { readonly lock?: { readonly holder: string; readonly at: number } };
}

/**
 * Deletes the lock row only while it is the taking named by `key` (one DELETE ... WHERE on the
 * server): a waiter that found the lock stale, or a holder whose lock was taken over as stale,
 * never deletes a newer taking.
 */
function deleteTaking(client: DirectusClient, id: string, key: string): Promise<void> {
  return client.delete(`/items/${STORE}`, { query: { filter: { _and: [{ id: { _eq: id } }, { protection_key: { _eq: key } }] } } })
    .catch(() => undefined);
}

/** The lock row's id: never a record's (those are 64 hex digits). */
export function lockId(collection: string): string {
  return `lock:${createHash('sha256').update(collection).digest('hex').slice(0, 58)}`;
}

/** Runs `work` holding the collection's lock; releases it however `work` ends. */
export async function withCollectionLock<T>(client: DirectusClient, collection: string, work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const now = options.now ?? Date.now;
  const deadline = now() + (options.waitMs ?? 60_000);
  const id = lockId(collection);
  await ensureStore(client);
  const key = `(lock) ${randomBytes(12).toString('hex')}`;
  for (let pause = 50; ; pause = Math.min(pause * 2, 1000)) {
    const at = now();
    try {
      await client.post(`/items/${STORE}`, { id, protected_collection: collection, protection_key: key, record: { lock: { holder: `${hostname()}:${process.pid}`, at } } });
      break;
    } catch (e) {
      if (!(e instanceof DirectusError) || e.status === 0) throw e;
      const held = (await client.get<LockRow[]>(`/items/${STORE}`, { 'filter[id][_eq]': id, limit: 1 }))[0];
      if (!held) continue; // released meanwhile: take it now
      const since = held.record.lock?.at ?? 0;
      if (at - since > STALE_LOCK_MS) {
        await deleteTaking(client, id, held.protection_key);
        continue;
      }
      if (at > deadline) {
        throw new Error(`Another apply has been changing Directus collection ${JSON.stringify(collection)} since ${new Date(since).toISOString()} ` +
          `(${held.record.lock?.holder ?? 'unknown holder'}); try again when it is done.`);
      }
      await new Promise((r) => setTimeout(r, pause));
    }
  }
  try {
    return await work();
  } finally {
    await deleteTaking(client, id, key);
  }
}
