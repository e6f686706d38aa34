/**
 * Which collections the Directus kind can protect. Directus 11.3.5 creates collections whose names
 * hold spaces, double quotes or non-ASCII letters but then refuses /items on them (403, measured in
 * test/directus-protection.e2e.test.ts), so nothing there could be served, let alone protected.
 * Its own `directus_*` collections and the protection's record store are not copies of a fact.
 * Field names have no such limit (measured: spaces, quotes and emoji work).
 *
 * These rules hold only on a Directus platform, so they are checked when a plan knows the
 * platform (the adapter's checkProtection), not at validate time against every kind: a PostgreSQL
 * table named "two words" is fine.
 */
import { NameProblem } from '../kind';
import { STORE } from './protection-store';

/** Why Directus cannot serve `collection` as a protected copy, or undefined when it can. */
export function collectionNameProblem(collection: string): NameProblem | undefined {
  const name = JSON.stringify(collection);
  const bad = [...collection].filter((c) => c === ' ' || c === '"' || c.codePointAt(0)! > 0x7e || c.codePointAt(0)! < 0x20);
  if (bad.length > 0) {
    return {
      summary: `Directus cannot serve a collection named ${name}`,
      detail: `Directus 11.3.5 refuses item requests on collections whose names contain spaces, double quotes or characters ` +
        `outside printable ASCII (here ${[...new Set(bad)].map((c) => JSON.stringify(c)).join(', ')}). Rename the table, or protect it on its PostgreSQL platform.`,
    };
  }
  if (collection.startsWith('directus_') || collection === STORE) {
    return {
      summary: `${name} is Directus's own collection, not a copy of a fact`,
      detail: 'Protect the collections that hold business data; Directus\'s system collections and the protection\'s record store are managed by Directus and by the provider.',
    };
  }
  return undefined;
}

/** Names of every kind the Directus kind holds: it stores them in its database, which refuses a NUL byte. */
export function checkDirectusName(_what: string, label: string, value: string): NameProblem | undefined {
  if (value.includes('\0')) return { summary: `${label} ${JSON.stringify(value)} contains a NUL byte`, detail: 'Directus cannot store a NUL byte in a name or text. Remove it.' };
  return undefined;
}
