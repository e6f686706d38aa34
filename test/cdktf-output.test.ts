/**
 * What `npm start` reads from cdktf's interleaved output of several stacks: each stack's lines,
 * and its result, also when cdktf's redrawing lost the stack's summary line (seen on a busy
 * machine: "campaigns  no result reported" although the apply succeeded).
 */
import { byStack, clean, stackResult } from '../tooling/cdktf-output';

const OUTPUT = clean([
  'billing      Initializing the backend...',
  'campaigns    Terraform used the selected providers to generate the following execution plan.',
  '\x1b[2K⠋  Deploying',
  'billing      # authority_field_protection.a will be created',
  'campaigns    # authority_field_protection.b will be created',
  '             # authority_sync_route.c will be updated in-place',
  '             # authority_sync_route.d must be replaced',
  'billing      Apply complete! Resources: 1 added, 0 changed, 0 destroyed.',
  'content      No changes. Your infrastructure matches the configuration.',
].join('\r'));

test('each stack\'s lines, grouped by its name; spinner codes and carriage returns cleaned', () => {
  const stacks = byStack(OUTPUT, ['content', 'campaigns', 'billing']);
  expect(stacks.get('campaigns')).toEqual([
    'Terraform used the selected providers to generate the following execution plan.',
    '# authority_field_protection.b will be created', '# authority_sync_route.c will be updated in-place', '# authority_sync_route.d must be replaced',
  ]);
  expect(stacks.get('billing')).toContain('Apply complete! Resources: 1 added, 0 changed, 0 destroyed.');
});

test('a stack\'s result: its summary, no changes, or counted from its plan when the summary was lost', () => {
  const stacks = byStack(OUTPUT, ['content', 'campaigns', 'billing']);
  expect(stackResult('billing', stacks.get('billing')!, OUTPUT)).toBe('1 added, 0 changed, 0 destroyed.');
  expect(stackResult('content', stacks.get('content')!, OUTPUT)).toBe('no changes');
  expect(stackResult('campaigns', stacks.get('campaigns')!, OUTPUT)).toBe('2 added, 1 changed, 1 destroyed.');
  expect(stackResult('other', [], OUTPUT)).toBe('no result reported');
  // A summary that lost its place among the stack's lines is still found by the stack's name.
  expect(stackResult('campaigns', [], `${OUTPUT}\ncampaigns    Apply complete! Resources: 7 added, 0 changed, 0 destroyed.`)).toBe('7 added, 0 changed, 0 destroyed.');
});
