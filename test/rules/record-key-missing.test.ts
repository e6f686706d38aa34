import { Concept, Copy, CorrectionPath, Domain, AuthorityPolicy, MissingRows } from '../../constructs/src';
import { expectClean, expectWarning, synth } from './harness';
import type { Platforms } from './harness';
import type { App } from 'cdktf';

/** campaign.name: crm campaigns.name, ops campaigns_view.display_name; `keys` declares the record key when given. */
function renamed(app: App, p: Platforms, keys?: (c: Concept) => void) {
  const domain = new Domain(app, 'campaigns', { governedBy: 'Marketing operations' });
  const campaign = new Concept(domain, 'Campaign');
  campaign.addField('name', p.crm.at('campaigns.name'), p.ops.at('campaigns_view.display_name'));
  keys?.(campaign);
  new AuthorityPolicy(domain, 'campaign-naming', {
    concept: campaign, authority: p.crm, origin: p.crm, copies: [Copy.readOnly(p.ops)],
    correction: CorrectionPath.at(p.crm, { how: 'edit the campaign', contact: '#marketing-ops' }),
  });
}

test('compliant: the names differ and the concept declares the key on both platforms', () => {
  expectClean(synth((app, p) => renamed(app, p, (c) => c.keyedBy({ keys: [p.crm.at('campaigns.id'), p.ops.at('campaigns_view.ext_id')] })), {}, { connected: true }));
});

test('non-compliant (warning): the names differ and no record key says how the rows correspond', () => {
  const result = synth((app, p) => renamed(app, p), {}, { connected: true });
  expectWarning(result, 'record-key-missing', 'campaigns/campaign-naming',
    'campaign.name is crm:public.campaigns.name on crm but ops:public.campaigns_view.display_name on ops, and campaigns/Campaign declares no record key on crm and ops');
  expectWarning(result, 'record-key-missing', 'campaigns/campaign-naming', "Add crm.at('table.key_column') and ops.at('table.key_column') to campaigns/Campaign.keyedBy({ keys }).");
});

test('non-compliant (warning): the key is declared on the authority only', () => {
  const result = synth((app, p) => renamed(app, p, (c) => c.keyedBy({ keys: [p.crm.at('campaigns.id'), p.cms.at('x.id')], missingRows: MissingRows.CREATE })), {}, { connected: true });
  expectWarning(result, 'record-key-missing', 'campaigns/campaign-naming', 'declares no record key on ops');
});

test('not applicable: platforms that are modelled but not connected (no route would run)', () => {
  expectClean(synth((app, p) => renamed(app, p)));
});
