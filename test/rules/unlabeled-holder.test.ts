import { Copy } from '../../constructs/src';
import { campaigns, expectClean, expectWarning, synth } from './harness';

test('compliant: every holder of the field is the authority or a declared copy', () => {
  expectClean(synth((app, p) => {
    campaigns(app, p, { copies: [Copy.readOnly(p.ops), Copy.readOnly(p.bi)] }, { holders: (q) => [q.crm, q.ops, q.bi] });
  }));
});

test('non-compliant (warning): the BI layer holds the field but the policy does not label it', () => {
  const result = synth((app, p) => { campaigns(app, p, {}, { holders: (q) => [q.crm, q.ops, q.bi] }); });
  expectWarning(result, 'unlabeled-holder', 'campaigns/campaign-naming', 'bi holds campaign.name, but the policy names it neither authority nor copy.');
  expectWarning(result, 'unlabeled-holder', 'campaigns/campaign-naming', 'Add Copy.readOnly(bi)');
});
