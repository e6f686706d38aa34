import { Copy } from '../../constructs/src';
import { campaigns, expectClean, expectError, synth } from './harness';

test('compliant: a copy fed from another copy of the same policy (a declared chain)', () => {
  expectClean(synth((app, p) => {
    campaigns(app, p, { copies: [Copy.readOnly(p.ops), Copy.readOnly(p.cms, { feedsFrom: p.ops })] },
      { holders: (q) => [q.crm, q.ops, q.cms] });
  }));
});

test('compliant: feedsFrom naming the authority is the default, spelled out', () => {
  expectClean(synth((app, p) => { campaigns(app, p, { copies: [Copy.readOnly(p.ops, { feedsFrom: p.crm })] }); }));
});

test('non-compliant: a copy fed from a platform outside the policy', () => {
  const result = synth((app, p) => {
    campaigns(app, p, { copies: [Copy.readOnly(p.ops, { feedsFrom: p.erp })] });
  });
  expectError(result, 'undeclared-chain', 'campaigns/campaign-naming',
    'campaign.name: the copy on ops is fed from erp, which is neither the authority (crm) nor a copy in this policy.');
  expectError(result, 'undeclared-chain', 'campaigns/campaign-naming', 'add Copy.readOnly(erp) to this policy to declare the chain crm -> erp -> ops');
});

test('non-compliant: a copy fed from itself', () => {
  const result = synth((app, p) => { campaigns(app, p, { copies: [Copy.readOnly(p.ops, { feedsFrom: p.ops })] }); });
  expectError(result, 'undeclared-chain', 'campaigns/campaign-naming', 'the copy on ops is fed from itself.');
});
