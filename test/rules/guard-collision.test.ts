/**
 * Two protections of one table (across every Domain) never share a key: the key names the guard,
 * and one guard would replace the other and leave its columns writable.
 */
import { App } from 'cdktf';
import { AuthorityPolicy, Concept, Copy, CorrectionPath, Domain } from '../../constructs/src';
import { expectError, Platforms, synth } from './harness';

/** Two policy ids whose keys' digests collide (found by search): the rule's last line of defence. */
const COLLIDING_IDS = ['deal-------------------_-_--_---__-_--title', 'deal------------------___-_--___--_--_title'];

/** A deal with one field per policy, all on crm's and ops's public.deals, each policy its own field. */
function deals(app: App, p: Platforms, placements: { domain: string; policy: string }[]): void {
  const domains = new Map<string, Domain>();
  placements.forEach(({ domain: name, policy: id }, i) => {
    let domain = domains.get(name);
    if (!domain) domains.set(name, (domain = new Domain(app, name, { governedBy: 'Sales operations' })));
    const deal = new Concept(domain, `Deal${i}`);
    deal.addField(`field${i}`, p.crm.at(`deals.field${i}`), p.ops.at(`deals.field${i}`));
    new AuthorityPolicy(domain, id, {
      concept: deal, authority: p.crm, origin: p.crm, copies: [Copy.readOnly(p.ops)],
      correction: CorrectionPath.at(p.crm, { how: 'edit the deal' }),
    });
  });
}

/** The keys of ops's guards on public.deals, one per policy. */
function guardKeysOnOps(stacks: Record<string, any>): string[] {
  return Object.values<any>(stacks).flatMap((s) => Object.values<any>(s.resource?.authority_field_protection ?? {}))
    .filter((r) => r.platform === 'ops' && r.table === 'deals').map((r) => r.key);
}

test.each([
  ['policies "deal-title" and "deal_title" in one domain', [{ domain: 'sales', policy: 'deal-title' }, { domain: 'sales', policy: 'deal_title' }]],
  ['domain "sales" + policy "x_y" and domain "sales_x" + policy "y"', [{ domain: 'sales', policy: 'x_y' }, { domain: 'sales_x', policy: 'y' }]],
])('compliant: %s guard one table with two guards', (_label, placements) => {
  const result = synth((app, p) => deals(app, p, placements), {}, { connected: true });
  expect(result.error).toBeUndefined();
  const keys = guardKeysOnOps(result.stacks);
  expect(keys).toHaveLength(2);
  expect(new Set(keys).size).toBe(2);
});

test('non-compliant: two protections whose keys collide on one table are refused, even with validations skipped', () => {
  for (const skipValidation of [false, true]) {
    const result = synth((app, p) => deals(app, p, COLLIDING_IDS.map((policy) => ({ domain: 'sales', policy }))), {}, { connected: true, skipValidation });
    expectError(result, 'guard-collision', `sales/${COLLIDING_IDS[1]}`,
      `its protections of crm public.deals, ops public.deals have the key "sales_deal_title_b1186b47", as sales/${COLLIDING_IDS[0]}'s: one guard would replace the other.`);
    expectError(result, 'guard-collision', `sales/${COLLIDING_IDS[1]}`, 'Rename');
  }
});
