/**
 * One mapped table, several fields: the CRM's promos(id, name, budget) reach the operations tool's
 * promos_view(ext_id, display_name, display_budget) through one mapping. The copy receives the
 * table in one staging table and maps it by one trigger, so one table between two platforms
 * carries one mapped route: the rule mapped-route-shared refuses a second policy's at synth, and
 * the provider refuses a hand-written second route at plan (it would replace the first's mapping
 * and the first's fields would stop flowing). Real terraform, the real provider, two real
 * PostgreSQL servers.
 */
import { App } from 'cdktf';
import { AuthorityPolicy, Concept, Copy, CorrectionPath, Domain, MissingRows, PlatformKind } from '../constructs/src';
import { OPERATOR_ROLE, SYNC_ROLE } from '../embedded/example-platforms';
import { rewriteStack, synthDomain } from './support/stack';
import { eventually } from './support/wait';
import { Terraform } from './support/terraform';
import { connectedPlatform, useTestPlatforms, tryAs } from './support/platforms';

const { platforms, crm, ops } = useTestPlatforms({
  prepare: async ({ crm, ops }) => {
    await crm.query(`CREATE TABLE promos (id int PRIMARY KEY, name text, budget int);
                     INSERT INTO promos VALUES (1, 'Spring', 10), (2, 'Summer', 20)`);
    await ops.query(`CREATE TABLE promos_view (local_id serial PRIMARY KEY, ext_id text UNIQUE, display_name text, display_budget int);
                     INSERT INTO promos_view (ext_id, display_name, display_budget) VALUES ('1', 'Spring (old)', 1), ('2', 'Summer', 20);
                     CREATE TABLE promo_report (ext_id text PRIMARY KEY, budget int);
                     INSERT INTO promo_report VALUES ('1', 10), ('2', 20);
                     GRANT SELECT, UPDATE ON promos_view, promo_report TO ${OPERATOR_ROLE}, ${SYNC_ROLE}`);
  },
});

const words = (s: string) => s.replace(/\s+/g, ' ');
const view = async () => (await ops.query('SELECT ext_id, display_name, display_budget FROM promos_view ORDER BY ext_id')).rows;

test('two fields of one table mapped into one copy table by one policy flow; a second route of the table, written by hand, is refused at plan with the first untouched', async () => {
  const stack = synthDomain((app: App) => {
    const domain = new Domain(app, 'promos', { governedBy: 'Marketing operations' });
    const crmPlatform = connectedPlatform('crm', platforms.crm, PlatformKind.CRM);
    const opsPlatform = connectedPlatform('ops', platforms.ops, PlatformKind.INTERNAL_TOOL);
    const promo = new Concept(domain, 'Promo');
    promo.addField('name', crmPlatform.at('promos.name'), opsPlatform.at('promos_view.display_name'));
    promo.addField('budget', crmPlatform.at('promos.budget'), opsPlatform.at('promos_view.display_budget'));
    promo.keyedBy({ keys: [crmPlatform.at('promos.id'), opsPlatform.at('promos_view.ext_id')], missingRows: MissingRows.REPORT });
    new AuthorityPolicy(domain, 'promo-facts', {
      concept: promo, authority: crmPlatform, origin: crmPlatform, copies: [Copy.readOnly(opsPlatform)],
      correction: CorrectionPath.at(crmPlatform, { how: 'edit the promo', contact: '#marketing-ops' }),
    });
    return domain;
  });
  const tf = new Terraform(stack.dir);
  tf.init();
  try {
    tf.apply();
    expect(await view()).toEqual([
      { ext_id: '1', display_name: 'Spring', display_budget: 10 },
      { ext_id: '2', display_name: 'Summer', display_budget: 20 },
    ]);
    const again = tf.plan();
    if (again.code !== 0) throw new Error(again.output);
    await crm.query("UPDATE promos SET name = 'Spring 2027', budget = 11 WHERE id = 1");
    await crm.query("UPDATE promos SET name = 'Summer 2027', budget = 21 WHERE id = 2");
    expect(await eventually(view, (v) => v[1].display_budget === 21 && v[1].display_name === 'Summer 2027')).toEqual([
      { ext_id: '1', display_name: 'Spring 2027', display_budget: 11 },
      { ext_id: '2', display_name: 'Summer 2027', display_budget: 21 },
    ]);
    expect((await tryAs(ops, OPERATOR_ROLE, "UPDATE promos_view SET display_budget = 0 WHERE ext_id = '1'"))?.message).toContain('read-only copy');

    // Imported (state lost, say): the route reads its mapping back from the copy, and plan changes nothing.
    const [address, route] = Object.entries<any>(stack.json.resource.authority_sync_route)[0];
    const routeId = JSON.parse(tf.ok('show', '-json').stdout).values.root_module.resources.find((r: any) => r.type === 'authority_sync_route').values.id;
    tf.ok('state', 'rm', `authority_sync_route.${address}`);
    tf.ok('import', `authority_sync_route.${address}`, routeId);
    // Only what no platform records (the route's max_lag) is filled in, in place: nothing is replaced.
    const imported = tf.plan();
    expect(imported.output).not.toMatch(/forces replacement|must be replaced/);
    expect(words(imported.output)).toContain('Plan: 0 to add, 1 to change, 0 to destroy');
    expect(imported.output).toMatch(/\+ max_lag\s+= "15m"/);
    tf.apply();
    expect(tf.plan().code).toBe(0);
    expect(JSON.parse(tf.ok('show', '-json').stdout).values.root_module.resources.find((r: any) => r.type === 'authority_sync_route').values)
      .toMatchObject({ copy_table: route.copy_table, copy_columns: route.copy_columns, copy_key_column: 'ext_id', missing_rows: 'report', enabled: true });

    // A second route of promos to ops, mapped into another table: refused at plan, naming why.
    rewriteStack(stack, (json) => {
      const routes = json.resource.authority_sync_route;
      const first = Object.values<any>(routes)[0];
      routes.report = { ...first, key: 'report', columns: ['budget'], copy_table: 'promo_report', copy_columns: ['budget'], depends_on: undefined };
    });
    const refused = tf.plan();
    expect(refused.code).toBe(1);
    expect(words(refused.output)).toMatch(/public\.promos from crm to ops already carries another route \(key "promos_promo_facts_[0-9a-f]+"\); a route mapped into public\.promo_report must be the table's only one/);
    expect(words(refused.output)).toContain('Govern these fields in one policy');
    await crm.query("UPDATE promos SET name = 'Spring 2028' WHERE id = 1");
    expect((await eventually(view, (v) => v[0].display_name === 'Spring 2028'))[0].display_name).toBe('Spring 2028');
  } finally {
    tf.run('destroy', '-auto-approve', '-input=false', '-no-color', '-refresh=false');
  }
});
