/**
 * Field-level authority on one table: the CRM owns deals.title and deals.stage, the ERP owns
 * deals.note, and all three are copied into the operations tool's deals, each authority through
 * its own subscription. A write by the ERP's apply worker touches only the note: the triggers
 * that watch the CRM's columns (a local override, newest_wins, manual_review) must not take the
 * copy's values of those columns for values the CRM sent. Real terraform, the real provider, real
 * PostgreSQL (the ERP is a second database on the CRM's server).
 */
import { Client } from 'pg';
import { FieldProtection, Platform, PlatformConnection, PlatformKind, SyncRoute } from '../constructs/src';
import { OPERATOR_ROLE, SYNC_ROLE } from '../embedded/example-platforms';
import { rewriteStack } from './support/stack';
import { domainStack } from './support/domain-stack';
import { eventually, waitFor } from './support/wait';
import { useTestPlatforms, tryAs } from './support/platforms';

const CREATE = 'CREATE TABLE deals (id int PRIMARY KEY, title text, note text, stage text)';
const ROWS = "(1, 'Renewal', 'n1', 'won'), (2, 'Upsell', 'n2', 'open')";
let erp: Client;

const { platforms, crm, ops } = useTestPlatforms({
  prepare: async ({ platforms, crm, ops }) => {
    await crm.query(`${CREATE}; INSERT INTO deals VALUES ${ROWS}`);
    await crm.query('CREATE DATABASE erp');
    erp = new Client(platforms.crm.clientConfig('erp'));
    await erp.connect();
    await erp.query(`${CREATE}; INSERT INTO deals VALUES ${ROWS}`);
    // Row 1's stage already differs on the copy as the stages route starts: an open conflict for review.
    await ops.query(`${CREATE}; INSERT INTO deals VALUES ${ROWS}; UPDATE deals SET stage = 'lost (ops)' WHERE id = 1;
                     GRANT SELECT, UPDATE ON deals TO ${OPERATOR_ROLE}, ${SYNC_ROLE}`);
  },
  release: () => erp?.end(),
});

const row = async (id: number) => (await ops.query('SELECT title, note, stage FROM deals WHERE id = $1', [id])).rows[0];
const overrides = async (id: number) => (await ops.query(
  `SELECT new_value::text, authority_value::text, ended_how FROM authority_records.overrides
    WHERE record = jsonb_build_object('id', $1::int) ORDER BY id`, [id])).rows;
const queue = async () => (await ops.query('SELECT column_name, status, closed_how FROM authority_records.review_queue ORDER BY id')).rows;
/** The stage's conflict is still open (`when` names the step in a failure). */
const stillOpen = async (when: string) =>
  expect({ when, queue: await queue() }).toEqual({ when, queue: [{ column_name: 'stage', status: 'open', closed_how: null }] });

/** The ERP changes a deal's note, and the change reaches the copy: a write of the row by the ERP's apply worker. */
async function erpWrites(id: number, note: string): Promise<void> {
  await erp.query('UPDATE deals SET note = $2 WHERE id = $1', [id, note]);
  await waitFor(`erp's note "${note}" of deal ${id} to reach ops`, async () => (await row(id)).note === note, 15_000);
}

test("one authority's apply worker writing its own column leaves the other authority's override, newest_wins and review state alone", async () => {
  const { stack, tf } = domainStack(platforms, 'deals', (domain) => {
    const c = platforms.crm.connection;
    domain.usePlatform(new Platform({
      name: 'erp', kind: PlatformKind.ERP, title: 'the ERP',
      connection: PlatformConnection.postgresql({ host: c.host, port: c.port, database: 'erp', username: c.username, passwordFile: c.passwordFile }),
    }));
    const column = (id: string, col: string, authority: string, extra: object, divergence?: string) => {
      const key = id.replace(/-/g, '_');
      const guard = new FieldProtection(domain, id, {
        platform: 'ops', table: 'deals', key, columns: [col], authority, fact: `deal.${col}`, syncPrincipal: SYNC_ROLE,
        correctionHint: `Edit the deal in the ${authority.toUpperCase()}.`, ...extra,
      });
      new SyncRoute(domain, `${id}-route`, { authority, copy: 'ops', table: 'deals', key, columns: [col], divergence, dependsOn: [guard] });
    };
    column('deal-titles', 'title', 'crm', { overrideReason: 'ops renames deals for events' });
    column('deal-stages', 'stage', 'crm', {}, 'manual_review');
    column('deal-notes', 'note', 'erp', {});
  });
  try {
    tf.apply();
    await stillOpen('after apply');

    // 1. A person overrides deal 1's title; the ERP's change of the note leaves the override and the CRM's recorded value.
    expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE deals SET title = 'Renewal (ops)' WHERE id = 1")).toBeUndefined();
    await erpWrites(1, 'erp 1');
    expect(await row(1)).toEqual({ title: 'Renewal (ops)', note: 'erp 1', stage: 'lost (ops)' });
    expect(await overrides(1)).toEqual([{ new_value: '"Renewal (ops)"', authority_value: '"Renewal"', ended_how: null }]);
    // The stage's open conflict is not "agreed" by a write that brought no stage from the CRM.
    await stillOpen('after the ERP wrote deal 1');

    // 2. The CRM's own changes of the title are still noted, also one to the override's value.
    await crm.query("UPDATE deals SET title = 'Renewal (ops)' WHERE id = 1");
    await eventually(() => overrides(1), (o) => o[0].authority_value === '"Renewal (ops)"');
    await crm.query("UPDATE deals SET title = 'Renewal 2027' WHERE id = 1");
    await eventually(() => overrides(1), (o) => o[0].authority_value === '"Renewal 2027"');
    expect(await overrides(1)).toEqual([{ new_value: '"Renewal (ops)"', authority_value: '"Renewal 2027"', ended_how: null }]);
    expect((await row(1)).title).toBe('Renewal (ops)');

    // 3. newest_wins: the ERP's later write of the row is no newer title; the CRM's later title is, and supersedes.
    rewriteStack(stack, (json) => {
      Object.values<any>(json.resource.authority_sync_route).find((r) => r.columns.includes('title')).divergence = 'newest_wins';
    });
    tf.apply();
    expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE deals SET title = 'Upsell (ops)' WHERE id = 2")).toBeUndefined();
    await erpWrites(2, 'erp 2');
    expect(await overrides(2)).toEqual([{ new_value: '"Upsell (ops)"', authority_value: '"Upsell"', ended_how: null }]);
    expect((await row(2)).title).toBe('Upsell (ops)');
    await crm.query("UPDATE deals SET title = 'Upsell 2027' WHERE id = 2");
    await eventually(() => row(2), (r) => r.title === 'Upsell 2027');
    expect(await overrides(2)).toEqual([{
      new_value: '"Upsell (ops)"', authority_value: '"Upsell 2027"', ended_how: 'superseded: a newer value came from the authority',
    }]);
    await stillOpen('after newest_wins');
    expect(tf.plan().code).toBe(0);
  } finally {
    tf.destroy();
  }
});
