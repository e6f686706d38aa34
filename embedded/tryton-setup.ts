/**
 * What a fresh Tryton needs to be the example's CRM: the sync principal's group (the only group
 * that keeps write on protected fields), a person who edits parties (Party Administration), the
 * customers as parties, and the CRM's campaigns as party categories (the campaign that brought a
 * party in), each with the id of its campaign, so the CRM's key finds it. Idempotent: each step
 * looks before it creates, and records are made only into an empty model (a later start never
 * writes a field that is protected by then).
 */
import { TrytonClient } from '../provider/platforms/tryton/client';
import { Contract } from '../constructs/src/contract';

/** The person of the example: edits parties in Tryton's client. */
export const TRYTON_PERSON_LOGIN = 'sales';
/** Tryton's own group of the people who edit parties and categories. */
export const TRYTON_PEOPLES_GROUP = 'Party Administration';
/** The example's customers, as parties (the ops tool keeps them under other names). */
export const EXAMPLE_PARTIES = ['Acme', 'Globex'] as const;

interface Named {
  id: number;
  name: string;
}

export interface TrytonExample {
  /** The parties' ids, by name. */
  readonly parties: Readonly<Record<string, number>>;
}

/**
 * @param campaigns the CRM's campaigns (id, name), in id order: each becomes the category of that id
 */
export async function setUpTryton(admin: TrytonClient, personPassword: string, campaigns: readonly Named[]): Promise<TrytonExample> {
  const groups = await admin.searchRead<Named>('res.group', [], ['name']);
  const people = groups.find((g) => g.name === TRYTON_PEOPLES_GROUP);
  if (!people) throw new Error(`Tryton has no group "${TRYTON_PEOPLES_GROUP}": is the party module activated?`);
  if (!groups.some((g) => g.name === Contract.DEFAULT_SYNC_PRINCIPAL)) {
    await admin.model('res.group', 'create', [[{ name: Contract.DEFAULT_SYNC_PRINCIPAL }]]);
  }
  const users = await admin.searchRead<{ id: number }>('res.user', [['login', '=', TRYTON_PERSON_LOGIN]], ['id']);
  if (users.length === 0) {
    await admin.model('res.user', 'create', [[{
      name: 'Example Salesperson', login: TRYTON_PERSON_LOGIN, password: personPassword, groups: [['add', [people.id]]],
    }]]);
  }
  if ((await admin.searchRead('party.party', [], ['id'])).length === 0) {
    await admin.model('party.party', 'create', [EXAMPLE_PARTIES.map((name) => ({ name }))]);
  }
  if ((await admin.searchRead('party.category', [], ['id'])).length === 0) {
    const made = await admin.model<number[]>('party.category', 'create', [campaigns.map((c) => ({ name: c.name }))]);
    const off = campaigns.filter((c, i) => made[i] !== c.id);
    if (off.length > 0) {
      throw new Error(`Tryton gave the campaigns' categories ids ${made.join(', ')}, not the CRM's ${campaigns.map((c) => c.id).join(', ')}: ` +
        'the CRM\'s key would not find them. Start from a fresh Tryton database (npm run stop).');
    }
  }
  await dropCategoryNameTranslations(admin);
  const parties = await admin.searchRead<Named>('party.party', [], ['name']);
  return { parties: Object.fromEntries(parties.map((p) => [p.name, p.id])) };
}

/**
 * A category's name is translatable: Tryton keeps it in ir.translation as well (in the default
 * language too) and shows that before the column. The sync writes the column, in the database
 * under Tryton, so the category's name must be read from the column: the translations made when
 * the categories were created go. None come back: nobody may write the name through Tryton then.
 */
async function dropCategoryNameTranslations(admin: TrytonClient): Promise<void> {
  const found = await admin.searchRead<{ id: number }>('ir.translation', [['name', '=', 'party.category,name'], ['type', '=', 'model']], ['id']);
  if (found.length > 0) await admin.model('ir.translation', 'delete', [found.map((t) => t.id)]);
}

/**
 * The ops tool's copy of Tryton's parties, under its own names: `customers.display_name` holds a
 * party's name, `customers.crm_party_id` Tryton's key. Seeded with the parties when empty.
 */
export function opsCustomersSql(parties: Readonly<Record<string, number>>): string {
  const rows = Object.entries(parties).map(([name, id]) => `(${Number(id)}, '${name.replace(/'/g, "''")}')`).join(', ');
  return `
CREATE TABLE IF NOT EXISTS customers (id serial PRIMARY KEY, crm_party_id integer UNIQUE, display_name text, segment text);
GRANT SELECT, INSERT, UPDATE, DELETE ON customers TO authority_sync;
GRANT USAGE ON SEQUENCE customers_id_seq TO authority_sync;
GRANT SELECT, INSERT, UPDATE ON customers TO operator;
${rows ? `INSERT INTO customers (crm_party_id, display_name) SELECT * FROM (VALUES ${rows}) AS v WHERE NOT EXISTS (SELECT 1 FROM customers);` : ''}`;
}
