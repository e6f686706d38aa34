/**
 * What the provider runs on a copy's server runs with no more rights than it must: the settle
 * writes as the table's owner (an owner's ALWAYS trigger gains nothing), and plan's comparison
 * cannot be shadowed by a function in a schema on the search path. And a route re-created after
 * an apply was cut short (its columns already in the pair's publication) settles what plan said.
 */
import { App } from 'cdktf';
import { AuthorityPolicy, Concept, Copy, CorrectionPath, Domain, PlatformKind } from '../constructs/src';
import { OPERATOR_ROLE, SYNC_ROLE } from '../embedded/example-platforms';
import { synthDomain } from './support/stack';
import { Terraform } from './support/terraform';
import { connectedPlatform, useTestPlatforms, tryAs } from './support/platforms';

const { platforms, crm, ops } = useTestPlatforms();

/**
 * `table` (id, title) with 'Hot' on crm and 'Cold' on ops, the copy's owned by role `owner`, and a
 * domain whose one policy makes crm the authority of its titles, ops a read-only copy: applying it
 * settles the copy's title as that owner.
 */
async function titlesOwnedBy(table: string, owner: string): Promise<Terraform> {
  const create = `CREATE TABLE ${table} (id int PRIMARY KEY, title text)`;
  await crm.query(`${create}; INSERT INTO ${table} VALUES (1, 'Hot')`);
  await ops.query(`${create}; INSERT INTO ${table} VALUES (1, 'Cold'); GRANT SELECT, UPDATE ON ${table} TO ${OPERATOR_ROLE}, ${SYNC_ROLE};
    CREATE ROLE ${owner} NOLOGIN; ALTER TABLE ${table} OWNER TO ${owner}; GRANT CREATE ON SCHEMA public TO ${owner}`);
  const stack = synthDomain((app: App) => {
    const domain = new Domain(app, table, { governedBy: 'Sales operations' });
    const c = connectedPlatform('crm', platforms.crm, PlatformKind.CRM);
    const o = connectedPlatform('ops', platforms.ops, PlatformKind.INTERNAL_TOOL);
    const concept = new Concept(domain, 'Record');
    concept.addField('title', c.at(`${table}.title`), o.at(`${table}.title`));
    new AuthorityPolicy(domain, `${table}-titles`, { concept, fields: ['title'], authority: c, origin: c, copies: [Copy.readOnly(o)],
      correction: CorrectionPath.at(c, { how: 'edit the record', contact: '#sales-ops' }) });
    return domain;
  });
  const tf = new Terraform(stack.dir);
  tf.init();
  return tf;
}

test('the settle does not run a copy table owner\'s ALWAYS trigger with the provider\'s rights', async () => {
  const tf = await titlesOwnedBy('leads', 'lead_owner');
  // What the table's owner (no superuser) can do on its own table.
  await ops.query(`BEGIN; SET LOCAL ROLE lead_owner;
    CREATE FUNCTION public.escalate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      BEGIN RESET ROLE; EXCEPTION WHEN OTHERS THEN NULL; END; -- back to the session's user, if anything lets it
      IF current_setting('is_superuser') = 'on' THEN EXECUTE 'ALTER ROLE lead_owner SUPERUSER'; END IF; RETURN NEW;
    END $$;
    CREATE TRIGGER zz_escalate BEFORE UPDATE ON leads FOR EACH ROW EXECUTE FUNCTION public.escalate();
    ALTER TABLE leads ENABLE ALWAYS TRIGGER zz_escalate; COMMIT`);
  tf.apply();
  expect((await ops.query('SELECT title FROM leads')).rows[0].title).toBe('Hot');
  expect((await ops.query("SELECT rolsuper FROM pg_roles WHERE rolname = 'lead_owner'")).rows[0].rolsuper).toBe(false);
  tf.destroy();
});

test('a copy table owner\'s deferred constraint trigger fires while the settle still acts as the owner, not at COMMIT as the provider', async () => {
  const tf = await titlesOwnedBy('pledges', 'pledge_owner');
  // Queued by the settle's write, a deferred constraint trigger would fire at COMMIT, after the role
  // is switched back: it records whose rights it runs with (a hostile one would use them).
  await ops.query(`BEGIN; SET LOCAL ROLE pledge_owner;
    CREATE TABLE public.pledge_runs (who text, inside boolean); GRANT INSERT ON public.pledge_runs TO PUBLIC;
    CREATE FUNCTION public.record_later() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- inside: the provider's functions that run statements as the owner still exist (they are dropped before COMMIT).
      INSERT INTO public.pledge_runs VALUES (current_user, EXISTS (SELECT FROM pg_catalog.pg_proc
        WHERE proname LIKE 'authority\\_as\\_owner%' AND pronamespace = pg_catalog.pg_my_temp_schema()));
      RETURN NULL;
    END $$;
    CREATE CONSTRAINT TRIGGER zz_later AFTER UPDATE ON pledges DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.record_later();
    ALTER TABLE pledges ENABLE ALWAYS TRIGGER zz_later; COMMIT`);
  tf.apply();
  expect((await ops.query('SELECT title FROM pledges')).rows[0].title).toBe('Hot');
  expect((await ops.query('SELECT DISTINCT who, inside FROM public.pledge_runs')).rows).toEqual([{ who: 'pledge_owner', inside: true }]);
  tf.destroy();
});

test('plan\'s comparison of a route calls nothing a schema on the search path could shadow', async () => {
  const create = 'CREATE TABLE memos (id int PRIMARY KEY, title text)';
  await crm.query(`${create}; INSERT INTO memos VALUES (1, 'Hot')`);
  await ops.query(`${create}; INSERT INTO memos VALUES (1, 'Cold'); GRANT SELECT, UPDATE ON memos TO ${OPERATOR_ROLE}, ${SYNC_ROLE};
    CREATE ROLE squatter NOLOGIN; GRANT CREATE ON SCHEMA public TO squatter`);
  await ops.query(`BEGIN; SET LOCAL ROLE squatter;
    CREATE FUNCTION public.to_jsonb(text) RETURNS jsonb LANGUAGE plpgsql AS $$
    BEGIN IF current_setting('is_superuser') = 'on' THEN EXECUTE 'ALTER ROLE squatter SUPERUSER'; END IF; RETURN pg_catalog.to_jsonb($1::text); END $$; COMMIT`);
  const stack = synthDomain((app: App) => {
    const domain = new Domain(app, 'memos', { governedBy: 'Sales operations' });
    const c = connectedPlatform('crm', platforms.crm, PlatformKind.CRM);
    const o = connectedPlatform('ops', platforms.ops, PlatformKind.INTERNAL_TOOL);
    const memo = new Concept(domain, 'Memo');
    memo.addField('title', c.at('memos.title'), o.at('memos.title'));
    new AuthorityPolicy(domain, 'memo-titles', { concept: memo, fields: ['title'], authority: c, origin: c, copies: [Copy.readOnly(o)],
      correction: CorrectionPath.at(c, { how: 'edit the memo', contact: '#sales-ops' }) });
    return domain;
  });
  const tf = new Terraform(stack.dir);
  tf.init();
  expect(tf.plan().code).toBe(2);
  expect((await ops.query("SELECT rolsuper FROM pg_roles WHERE rolname = 'squatter'")).rows[0].rolsuper).toBe(false);
  await ops.query('DROP FUNCTION public.to_jsonb(text)');
});

test('a route re-created after an apply cut short settles what plan said it would', async () => {
  const create = 'CREATE TABLE deals (id int PRIMARY KEY, title text, stage text)';
  await crm.query(`${create}; INSERT INTO deals VALUES (1, 'Renewal', 'won')`);
  await ops.query(`${create}; INSERT INTO deals VALUES (1, 'Renewal', 'won'); GRANT SELECT, UPDATE ON deals TO ${OPERATOR_ROLE}, ${SYNC_ROLE}`);
  const stack = synthDomain((app: App) => {
    const domain = new Domain(app, 'deals', { governedBy: 'Sales operations' });
    const c = connectedPlatform('crm', platforms.crm, PlatformKind.CRM);
    const o = connectedPlatform('ops', platforms.ops, PlatformKind.INTERNAL_TOOL);
    const deal = new Concept(domain, 'Deal');
    for (const f of ['title', 'stage']) deal.addField(f, c.at(`deals.${f}`), o.at(`deals.${f}`));
    for (const f of ['title', 'stage']) {
      new AuthorityPolicy(domain, `deal-${f}`, { concept: deal, fields: [f], authority: c, origin: c, copies: [Copy.readOnly(o)],
        correction: CorrectionPath.at(c, { how: 'edit the deal', contact: '#sales-ops' }) });
    }
    return domain;
  });
  const tf = new Terraform(stack.dir);
  tf.init();
  tf.apply();
  const stageRoute = Object.keys(stack.json.resource.authority_sync_route).find((k) => k.includes('stage'))!;
  // The apply that created the stage route was killed after its columns joined the publication: not in state.
  tf.ok('state', 'rm', `authority_sync_route.${stageRoute}`);
  // Meanwhile the copy's stage differs (written as the provider's settle would, so the guard lets it through).
  await ops.query("BEGIN; SET LOCAL session_replication_role = replica; SELECT set_config('authority.settle', 'deals'::regclass::oid::text, true); UPDATE deals SET stage = 'lost' WHERE id = 1; COMMIT");
  const plan = tf.plan();
  expect(plan.output.replace(/\s+/g, ' ')).toContain("differs from crm in stage; this apply replaces it");
  tf.apply();
  expect((await ops.query('SELECT stage FROM deals WHERE id = 1')).rows[0].stage).toBe('won');
  tf.destroy();
});

test('a table owner\'s cast to json runs with the owner\'s rights in plan\'s comparison and the settle, and hides no person\'s change from the guard', async () => {
  const enumType = "CREATE TYPE public.stage AS ENUM ('open', 'won', 'lost')";
  await crm.query(`${enumType}; CREATE TABLE tickets (id int PRIMARY KEY, status public.stage); INSERT INTO tickets VALUES (1, 'won')`);
  await ops.query(`CREATE ROLE ticket_owner NOLOGIN; GRANT CREATE ON SCHEMA public TO ticket_owner`);
  // What a table's owner (no superuser) can do with a type of their own: a cast to json that
  // escalates when a superuser runs it, and says every value is the same.
  await ops.query(`BEGIN; SET LOCAL ROLE ticket_owner; ${enumType};
    CREATE TABLE tickets (id int PRIMARY KEY, status public.stage); INSERT INTO tickets VALUES (1, 'open');
    CREATE FUNCTION public.same(public.stage) RETURNS json LANGUAGE plpgsql AS $$
    BEGIN
      BEGIN RESET ROLE; EXCEPTION WHEN OTHERS THEN NULL; END;
      IF current_setting('is_superuser') = 'on' THEN EXECUTE 'ALTER ROLE ticket_owner SUPERUSER'; END IF; RETURN '"same"'::json;
    END $$;
    CREATE CAST (public.stage AS json) WITH FUNCTION public.same(public.stage);
    GRANT SELECT, UPDATE ON tickets TO ${OPERATOR_ROLE}, ${SYNC_ROLE}; COMMIT`);
  const stack = synthDomain((app: App) => {
    const domain = new Domain(app, 'tickets', { governedBy: 'Support operations' });
    const c = connectedPlatform('crm', platforms.crm, PlatformKind.CRM);
    const o = connectedPlatform('ops', platforms.ops, PlatformKind.INTERNAL_TOOL);
    const ticket = new Concept(domain, 'Ticket');
    ticket.addField('status', c.at('tickets.status'), o.at('tickets.status'));
    new AuthorityPolicy(domain, 'ticket-status', { concept: ticket, fields: ['status'], authority: c, origin: c, copies: [Copy.readOnly(o)],
      correction: CorrectionPath.at(c, { how: 'change the ticket', contact: '#support-ops' }) });
    return domain;
  });
  const tf = new Terraform(stack.dir);
  tf.init();
  expect(tf.plan().code).toBe(2); // compares the copy's rows with the authority's
  tf.apply();
  expect((await ops.query("SELECT rolsuper FROM pg_roles WHERE rolname = 'ticket_owner'")).rows[0].rolsuper).toBe(false);
  const edit = await tryAs(ops, OPERATOR_ROLE, "UPDATE tickets SET status = 'lost' WHERE id = 1");
  expect(edit?.message).toContain('tickets.status is a read-only copy here.');
  tf.destroy();
});
