/**
 * The Tryton kind's conformance fixture: one real Tryton 6.0 from Debian (embedded/tryton.ts) on a
 * real PostgreSQL server, the model `party.party` (fields name, code, lang: each has help text in
 * Tryton), a person in "Party Administration", a sync user whose group "Authority sync" is the
 * sync principal, and the ways a Tryton administrator can undo a protection by hand (the Field
 * Access list in the client, the help's translation).
 *
 * Tryton refuses a person's change with 'You are not allowed to access "Party.Name".'; the
 * correction path is the field's help, shown beside the read-only field. So a refusal here is
 * Tryton's message plus the field's help as the person's own fields_get reports it.
 *
 * Tryton's models and fields come from its modules' code: no container can be made with a hostile
 * name, so hostile names are tested as key, authority, fact and hint (suite.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { LocalPostgres } from '../../embedded/local-postgres';
import { RunningTryton, startTryton, trytonPassword } from '../../embedded/tryton';
import { TrytonClient, TrytonError } from '../../provider/platforms/tryton/client';
import { AccessRule } from '../../provider/platforms/tryton/protection-model';
import { RULE_FIELDS } from '../../provider/platforms/tryton/protection-read';
import { FieldLocation, FieldProtection } from '../../provider/platforms/adapter';
import { HOSTILE_NAMES } from '../support/hostile-names';
import { HandEdit, KindFixture, KindServer } from './fixture';

const DATABASE = 'crm';
const MODEL = 'party.party';
const FIELDS = ['name', 'code', 'lang'] as const;
const SYNC_GROUP = 'Authority sync';
const PEOPLES_GROUP = 'Party Administration';

let admin: TrytonClient; // one Tryton per test file
let db: Client; // the database under it, as its superuser
let party: number;
let langs: number[];
let syncGroup: number;
let peoplesGroup: number;
let edits = 0;

async function rulesOf(field: string): Promise<AccessRule[]> {
  return admin.searchRead<AccessRule>('ir.model.field.access', [['field.model.model', '=', MODEL], ['field.name', '=', field]], RULE_FIELDS);
}

/** The protection's rule for `group` (null: everyone) on the first protected field. */
async function ruleFor(p: FieldProtection, group: number | null): Promise<number> {
  const found = (await rulesOf(p.fields[0])).filter((r) => r.group === group);
  if (found.length !== 1) throw new Error(`expected one rule of group ${group} on ${p.fields[0]}, found ${found.length}`);
  return found[0].id;
}

const write = async (id: number, values: Record<string, unknown>): Promise<void> => { await admin.model('ir.model.field.access', 'write', [[id], values]); };

// The people's group already has a rule letting it write "name" (made in start()): apply narrows
// it, a hand edit can tick its write again, and remove gives it back as it was. While that rule is
// narrowed, the person (in that group) stays refused when only the rule for everyone is
// deactivated or deleted: Tryton takes the highest right of the person's rules, and both deny.
// Those two edits still read back as not enforced (a user in no such group could write again).
const HAND_EDITS: HandEdit[] = [
  { label: 'the people\'s rule given write access', opens: true, undo: async (p) => write(await ruleFor(p, null), { perm_write: true }) },
  { label: 'the people\'s rule deactivated', opens: false, undo: async (p) => write(await ruleFor(p, null), { active: false }) },
  { label: 'the people\'s rule deleted', opens: false, undo: async (p) => { await admin.model('ir.model.field.access', 'delete', [[await ruleFor(p, null)]]); } },
  { label: 'the existing rule of the people\'s group given write again', opens: true, undo: async (p) => write(await ruleFor(p, peoplesGroup), { perm_write: true }) },
  { label: 'the sync group\'s rule lost write access', opens: false, undo: async (p) => write(await ruleFor(p, syncGroup), { perm_write: false }) },
  {
    label: 'the field\'s help edited', opens: false,
    undo: async (p) => {
      const helps = await admin.searchRead<{ id: number }>('ir.translation', [['name', '=', `${MODEL},${p.fields[0]}`], ['type', '=', 'help']], ['id']);
      await admin.model('ir.translation', 'write', [helps.map((h) => h.id), { value: 'Edit freely.' }]);
    },
  },
];

/** A new value for `field` of the party. */
function newValue(field: string): unknown {
  edits += 1;
  return field === 'lang' ? langs[edits % langs.length] : `edited ${edits}`;
}

/** `client` changes `field` of the party: Tryton's refusal and the field's help as that user sees it, or undefined. */
async function editAs(client: TrytonClient, at: FieldLocation, field: string): Promise<string | undefined> {
  const refused = await client.model(at.container, 'write', [[party], { [field]: newValue(field) }]).then(() => undefined, (e: unknown) => e);
  if (refused === undefined) return undefined;
  if (!(refused instanceof TrytonError)) throw refused;
  const seen = await client.model<Record<string, { help: string; readonly: boolean }>>(at.container, 'fields_get', [[field]]);
  // What the person's client is told: the field is read-only for them, and its help.
  if (seen[field]?.readonly !== true) throw new Error(`Tryton refused the write of ${field}, but fields_get does not report it read-only to the person`);
  return [refused.message, seen[field]?.help].filter(Boolean).join('\n');
}

/** Everything a protection may touch: every field access rule, the model's help translations, and the protection records. */
async function snapshot(): Promise<unknown> {
  const [rules, helps, records] = await Promise.all([
    admin.searchRead('ir.model.field.access', [], RULE_FIELDS),
    admin.searchRead('ir.translation', [['name', 'like', `${MODEL},%`], ['type', '=', 'help']], ['name', 'lang', 'src', 'value']),
    admin.searchRead('ir.attachment', [['name', 'like', 'authority-protection-%']], ['name', 'resource', 'description']),
  ]);
  return { rules, helps, records };
}

/** A user in `groups` and a client logged in as them. */
async function user(url: string, login: string, groups: number[]): Promise<TrytonClient> {
  const password = trytonPassword();
  await admin.model('res.user', 'create', [[{ name: login, login, password, groups: [['add', groups]] }]]);
  return new TrytonClient({ url, database: DATABASE, login, password });
}

/**
 * The database under Tryton refuses any rule for the sync group: an apply has then already
 * recorded itself and made the people's rules.
 */
async function refuseSyncRule(): Promise<() => Promise<void>> {
  await db.query(`CREATE FUNCTION public.conformance_refuse() RETURNS trigger LANGUAGE plpgsql AS
      $$BEGIN RAISE EXCEPTION 'the platform refuses this step (conformance suite)'; END$$;
    CREATE TRIGGER conformance_refuse BEFORE INSERT OR UPDATE ON ir_model_field_access FOR EACH ROW
      WHEN (NEW."group" = ${syncGroup}) EXECUTE FUNCTION public.conformance_refuse()`);
  return async () => { await db.query('DROP TRIGGER conformance_refuse ON ir_model_field_access; DROP FUNCTION public.conformance_refuse()'); };
}

async function start(): Promise<KindServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-conformance-tryton-'));
  fs.chmodSync(dir, 0o755); // the PostgreSQL server runs as another user when tests run as root
  let pg: LocalPostgres | undefined;
  let tryton: RunningTryton | undefined;
  const stop = async () => {
    await db?.end().catch(() => undefined);
    await tryton?.stop();
    await pg?.stop(true);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    pg = await LocalPostgres.start({ dir: path.join(dir, 'pg'), logicalReplication: false });
    tryton = await startTryton({ dir: path.join(dir, 'tryton'), postgres: pg.clientConfig(), database: DATABASE, say: () => undefined });
    admin = new TrytonClient({ url: tryton.url, database: DATABASE, login: tryton.admin.login, password: fs.readFileSync(tryton.admin.passwordFile, 'utf8').trim() });
    const groups = await admin.searchRead<{ id: number; name: string }>('res.group', [], ['name']);
    peoplesGroup = groups.find((g) => g.name === PEOPLES_GROUP)!.id;
    syncGroup = (await admin.model<number[]>('res.group', 'create', [[{ name: SYNC_GROUP }]]))[0];
    const editor = await user(tryton.url, 'editor', [peoplesGroup]);
    const sync = await user(tryton.url, 'sync', [peoplesGroup, syncGroup]);
    party = (await admin.model<number[]>(MODEL, 'create', [[{ name: 'Acme' }]]))[0];
    langs = (await admin.searchRead<{ id: number }>('ir.lang', [['code', 'in', ['en', 'fr', 'de']]], ['id'])).map((l) => l.id);
    const nameField = (await admin.searchRead<{ id: number }>('ir.model.field', [['model.model', '=', MODEL], ['name', '=', 'name']], ['id']))[0].id;
    await admin.model('ir.model.field.access', 'create', [[{
      field: nameField, group: peoplesGroup, perm_read: true, perm_write: true, perm_create: true, perm_delete: true, description: 'Party administrators keep names.',
    }]]);
    db = new Client(pg.clientConfig(DATABASE));
    await db.connect();
    return {
      // Not "crm": the suite's declarations name crm as the authority, and a platform is not guarded against itself.
      platform: 'sales',
      settings: { url: tryton.url, database: DATABASE, user: tryton.admin.login, password_file: tryton.admin.passwordFile },
      location: { namespace: 'public', container: MODEL },
      fields: [...FIELDS] as unknown as KindServer['fields'],
      syncPrincipal: SYNC_GROUP,
      personEdits: (at, field) => editAs(editor, at, field),
      syncWrites: (at, field) => editAs(sync, at, field),
      snapshot,
      refusePartWay: refuseSyncRule,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** A password file for a Tryton that is not there (never used: nothing answers). */
function unusedPasswordFile(): string {
  const file = path.join(os.tmpdir(), `authority-conformance-tryton-nowhere-${process.pid}`);
  fs.writeFileSync(file, 'no-tryton-answers-this\n', { mode: 0o600 });
  return file;
}

export const trytonFixture: KindFixture = {
  kind: 'tryton',
  start,
  handEdits: HAND_EDITS,
  // Texts only (key, authority, fact, hint): all but the NUL byte, which names.ts refuses.
  hostileNames: HOSTILE_NAMES,
  // Port 1 (tcpmux) on the loopback: nothing listens there, so the connection is refused at once.
  unreachableSettings: () => ({ url: 'http://127.0.0.1:1', database: DATABASE, password_file: unusedPasswordFile(), connect_timeout: 5 }),
};
