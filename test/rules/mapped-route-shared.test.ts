import { AuthorityPolicy, Concept, Copy, CorrectionPath, Domain } from '../../constructs/src';
import { expectClean, expectError, mappedTwice, synth } from './harness';

test('non-compliant: two policies route one table to one copy, mapped into other names: refused, naming both policies and what to do', () => {
  const result = synth((app, p) => mappedTwice(app, p), {}, { connected: true });
  expectError(result, 'mapped-route-shared', 'promos/promo-names',
    "its route of crm's public.promos to ops maps it into public.promos_view, and promos/promo-budgets routes the same table between the same platforms");
  expectError(result, 'mapped-route-shared', 'promos/promo-names', 'Govern these fields in one policy (promos/promo-names, promos/promo-budgets)');
});

test('compliant: the same fields in one policy make one mapped route', () => {
  expectClean(synth((app, p) => {
    const domain = new Domain(app, 'promos', { governedBy: 'Marketing operations' });
    const promo = new Concept(domain, 'Promo');
    promo.addField('name', p.crm.at('promos.name'), p.ops.at('promos_view.display_name'));
    promo.addField('budget', p.crm.at('promos.budget'), p.ops.at('promos_view.display_budget'));
    promo.keyedBy({ keys: [p.crm.at('promos.id'), p.ops.at('promos_view.ext_id')] });
    new AuthorityPolicy(domain, 'promo-facts', {
      concept: promo, authority: p.crm, origin: p.crm, copies: [Copy.readOnly(p.ops)], correction: CorrectionPath.at(p.crm, { how: 'edit the promo' }),
    });
  }, {}, { connected: true }));
});

test('not applicable: two policies on one table under the same names (each route keyed by its policy), or platforms not connected', () => {
  expectClean(synth((app, p) => mappedTwice(app, p)));
});
