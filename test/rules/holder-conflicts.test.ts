/**
 * Mistakes in who holds a policy's fields (a copy on the authority, two copies on one platform,
 * copies fed from each other) are each reported as their rule's finding, all in one synth, on
 * connected platforms where the policies would make resources, with validations run or skipped.
 */
import { Testing } from 'cdktf';
import { AuthorityPolicy, Concept, Copy, CorrectionPath, Domain } from '../../constructs/src';
import { countFindings, expectError, newApp, platforms, synthApp } from './harness';

function threeMistakes(skipValidation: boolean) {
  const { app, outdir } = newApp({}, skipValidation);
  const p = platforms(true);
  const domain = new Domain(app, 'campaigns', { governedBy: 'Marketing operations' });
  const campaign = new Concept(domain, 'Campaign');
  for (const field of ['name', 'budget', 'channel']) {
    campaign.addField(field, p.crm.at(`campaigns.${field}`), p.ops.at(`campaigns.${field}`), p.cms.at(`campaigns.${field}`));
  }
  const policy = (id: string, field: string, copies: Copy[]) => new AuthorityPolicy(domain, id, {
    concept: campaign, fields: [field], authority: p.crm, origin: p.crm, copies,
    correction: CorrectionPath.at(p.crm, { how: 'edit the campaign' }),
  });
  policy('naming', 'name', [Copy.readOnly(p.ops, { feedsFrom: p.cms }), Copy.readOnly(p.cms, { feedsFrom: p.ops })]);
  policy('budget', 'budget', [Copy.readOnly(p.crm), Copy.readOnly(p.ops), Copy.readOnly(p.cms)]);
  policy('channel', 'channel', [Copy.readOnly(p.ops), Copy.readOnly(p.ops), Copy.readOnly(p.cms)]);
  return { app, outdir, domain };
}

test.each([false, true])('three mistakes, three findings in one synth (skipValidation: %s)', (skipValidation) => {
  const { app, outdir } = threeMistakes(skipValidation);
  const result = synthApp(app, outdir);
  expectError(result, 'sync-loop', 'campaigns/naming', 'values loop');
  expectError(result, 'copy-on-authority', 'campaigns/budget', 'crm is the authority and also holds a copy');
  expectError(result, 'duplicate-copy', 'campaigns/channel', 'ops holds 2 copies');
  expect(countFindings(result.error!)).toBe(3);
  expect(result.error).not.toContain('There is already a Construct');
});

test('Testing.synth of the stack reports them too', () => {
  const { domain } = threeMistakes(false);
  expect(() => Testing.synth(domain)).toThrow(/\[authority\/copy-on-authority\] campaigns\/budget/);
});
