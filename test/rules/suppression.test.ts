import { Copy, CorrectionPath, Rules } from '../../constructs/src';
import { campaigns, expectClean, expectError, synth } from './harness';

test('a suppressible rule, suppressed with a reason, no longer fails synth; the reason is reported as info', () => {
  const result = synth((app, p) => {
    const { policy } = campaigns(app, p, { correction: undefined });
    Rules.suppress(policy, 'correction-path-missing', 'runbook being written; tracked in OPS-42');
  });
  expect(result.error).toBeUndefined();
  const info = result.annotations.find((a) => a.level === '@cdktf/info');
  expect(info?.constructPath).toBe('campaigns/campaign-naming');
  expect(info?.message).toBe(
    '[authority/correction-path-missing] suppressed: runbook being written; tracked in OPS-42 ' +
      '(finding: campaign.name: no correction path, so an operator who finds a wrong value is not told where to fix it.)',
  );
});

test('a suppression on a Domain covers the constructs under it; the "authority/" prefix is accepted', () => {
  expectClean(synth((app, p) => {
    const { domain } = campaigns(app, p, { origin: undefined });
    Rules.suppress(domain, 'authority/origin-missing', 'origins are being collected by the data team this quarter');
  }));
});

test('a suppression covers only its rule: other findings on the same construct still fail synth', () => {
  const result = synth((app, p) => {
    const { policy } = campaigns(app, p, { correction: undefined, origin: undefined });
    Rules.suppress(policy, 'correction-path-missing', 'runbook being written');
  });
  expectError(result, 'origin-missing', 'campaigns/campaign-naming', 'Add origin');
  expect(result.error).not.toContain('[authority/correction-path-missing]');
});

test('a suppression elsewhere does not cover a finding', () => {
  const result = synth((app, p) => {
    campaigns(app, p, { correction: undefined });
    const other = campaigns(app, p, {}, { id: 'other', table: 'promotions' });
    Rules.suppress(other.policy, 'correction-path-missing', 'not this one');
  });
  expectError(result, 'correction-path-missing', 'campaigns/campaign-naming', 'Add correction');
});

test('a warning can be suppressed too', () => {
  expectClean(synth((app, p) => {
    const { policy } = campaigns(app, p, {}, { holders: (q) => [q.crm, q.ops, q.bi] });
    Rules.suppress(policy, 'unlabeled-holder', 'the BI copy is loaded by the warehouse team\'s own job');
  }));
});

test('a suppression without a reason is an error, naming the construct and the rule', () => {
  synth((app, p) => {
    const { policy } = campaigns(app, p);
    for (const reason of ['', '   ', undefined as unknown as string]) {
      expect(() => Rules.suppress(policy, 'correction-path-missing', reason)).toThrow(
        "campaigns/campaign-naming: suppressing authority/correction-path-missing needs a reason: say why the finding is acceptable here",
      );
    }
  });
});

test('suppressing a rule that protects data is refused, and says so', () => {
  synth((app, p) => {
    const { policy } = campaigns(app, p);
    expect(() => Rules.suppress(policy, 'two-authorities', 'we know')).toThrow(
      'campaigns/campaign-naming: authority/two-authorities cannot be suppressed: it protects data',
    );
    expect(() => Rules.suppress(policy, 'sync-loop', 'we know')).toThrow('Fix the model instead: Break the loop');
  });
});

test('an unsuppressible finding stays an error even with a suppression attempt caught', () => {
  const result = synth((app, p) => {
    const { policy } = campaigns(app, p, { correction: CorrectionPath.at(p.ops, { how: 'edit it there' }), copies: [Copy.readOnly(p.ops)] });
    try { Rules.suppress(policy, 'correction-path-not-authority', 'we know'); } catch { /* refused */ }
  });
  expectError(result, 'correction-path-not-authority', 'campaigns/campaign-naming', 'Use CorrectionPath.at(crm');
});

test('suppressing an unknown rule is an error that lists the rules', () => {
  synth((app, p) => {
    const { policy } = campaigns(app, p);
    expect(() => Rules.suppress(policy, 'no-correction', 'typo')).toThrow('No authority rule "no-correction". The rules are:');
  });
});
