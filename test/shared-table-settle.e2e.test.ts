/**
 * A route that starts on a table where other routes already hold cells: its settle writes rows
 * those routes watch. The settle writes only its own columns, so the others' held cells must stay
 * as they are: a manual_review conflict stays open (not "agreed"), a local override keeps the
 * authority's value it recorded (not the overridden one). Real terraform, the real provider, two
 * real PostgreSQL servers. (Found as a flaky failure: in one apply, the order of two routes'
 * starts decided whether a conflict queued by one was closed by the other's settle.)
 */
import { App } from 'cdktf';
import { Domain, FieldProtection, SyncRoute, PlatformKind } from '../constructs/src';
import { OPERATOR_ROLE, SYNC_ROLE } from '../embedded/example-platforms';
import { rewriteStack, synthDomain } from './support/stack';
import { eventually } from './support/wait';
import { Terraform } from './support/terraform';
import { connectedPlatform, useTestPlatforms, tryAs } from './support/platforms';

const { platforms, crm, ops } = useTestPlatforms({
  prepare: async ({ crm, ops }) => {
    const create = 'CREATE TABLE deals (id int PRIMARY KEY, title text, note text, label text)';
    await crm.query(`${create}; INSERT INTO deals VALUES (1, 'Renewal', 'crm note', 'gold'), (2, 'Upsell', 'n2', 'silver')`);
    await ops.query(`${create}; INSERT INTO deals VALUES (1, 'Renewal', 'ops note', 'gold'), (2, 'Upsell', 'n2', 'silver');
                     GRANT SELECT, UPDATE ON deals TO ${OPERATOR_ROLE}, ${SYNC_ROLE}`);
  },
});

const row = async (id: number) => (await ops.query('SELECT * FROM deals WHERE id = $1', [id])).rows[0];
const queue = async () => (await ops.query('SELECT status, authority_value::text, closed_how FROM authority_records.review_queue ORDER BY id')).rows;
const overrides = async () => (await ops.query('SELECT new_value::text, authority_value::text, ended_how FROM authority_records.overrides ORDER BY id')).rows;

test("a route starting on a table settles only its own columns: another route's open conflict and a local override's recorded authority value stay", async () => {
  const stack = synthDomain((app: App) => {
    const domain = new Domain(app, 'deals', { governedBy: 'Test team' });
    domain.usePlatform(connectedPlatform('crm', platforms.crm, PlatformKind.CRM));
    domain.usePlatform(connectedPlatform('ops', platforms.ops, PlatformKind.INTERNAL_TOOL));
    const common = { platform: 'ops', table: 'deals', authority: 'crm', syncPrincipal: SYNC_ROLE, correctionHint: 'Edit the deal in the CRM.' };
    const column = (id: string, col: string, extra: object, divergence?: string) => {
      const guard = new FieldProtection(domain, id, { ...common, key: id.replace(/-/g, '_'), columns: [col], fact: `deal.${col}`, ...extra });
      new SyncRoute(domain, `${id}-route`, { authority: 'crm', copy: 'ops', table: 'deals', key: id.replace(/-/g, '_'), columns: [col], divergence, dependsOn: [guard] });
    };
    column('deal-notes', 'note', { overrideReason: 'ops annotates deals' }, 'manual_review');
    column('deal-labels', 'label', { overrideReason: 'ops relabels deals for events' });
    column('deal-titles', 'title', {});
    return domain;
  });
  const full = JSON.stringify(stack.json);
  const tf = new Terraform(stack.dir);
  tf.init();
  try {
    // 1. Notes (manual_review) and labels (overridable) first: row 1's differing note is queued; a person overrides a label.
    rewriteStack(stack, (json) => {
      for (const type of ['authority_field_protection', 'authority_sync_route']) {
        for (const [k, r] of Object.entries<any>(json.resource[type])) if (r.columns?.includes('title')) delete json.resource[type][k];
      }
    });
    tf.apply();
    expect(await queue()).toEqual([expect.objectContaining({ status: 'open', authority_value: '"crm note"' })]);
    expect(await tryAs(ops, OPERATOR_ROLE, "UPDATE deals SET label = 'platinum' WHERE id = 1")).toBeUndefined();
    expect(await overrides()).toEqual([{ new_value: '"platinum"', authority_value: '"gold"', ended_how: null }]);

    // 2. Someone renamed row 1 on the copy before titles were governed; the titles route starts and settles it.
    await ops.query("UPDATE deals SET title = 'Renewal (old)' WHERE id = 1");
    rewriteStack(stack, (json) => Object.assign(json, JSON.parse(full)));
    tf.apply();
    expect(await row(1)).toEqual({ id: 1, title: 'Renewal', note: 'ops note', label: 'platinum' });
    // The settle wrote only the title: the note's conflict is still open, the label's override still knows the CRM's value.
    expect(await queue()).toEqual([expect.objectContaining({ status: 'open', authority_value: '"crm note"', closed_how: null })]);
    expect(await overrides()).toEqual([{ new_value: '"platinum"', authority_value: '"gold"', ended_how: null }]);

    // 3. The CRM changes row 1: the note stays held (the queue has the CRM's new value), the label stays overridden.
    await crm.query("UPDATE deals SET title = 'Renewal 2027', note = 'crm again', label = 'bronze' WHERE id = 1");
    await crm.query("UPDATE deals SET title = 'Upsell 2027' WHERE id = 2");
    await eventually(() => row(2), (r) => r.title === 'Upsell 2027');
    expect(await row(1)).toEqual({ id: 1, title: 'Renewal 2027', note: 'ops note', label: 'platinum' });
    expect(await queue()).toEqual([expect.objectContaining({ status: 'open', authority_value: '"crm again"' })]);
    expect(await overrides()).toEqual([{ new_value: '"platinum"', authority_value: '"bronze"', ended_how: null }]);
    expect(tf.plan().code).toBe(0);
  } finally {
    tf.run('destroy', '-auto-approve', '-input=false', '-no-color');
  }
});
