/**
 * The review takes a plan's text from `terraform plan`'s own output instead of running
 * `terraform show` again: it must be exactly what `terraform show <planfile>` prints.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planText } from '../review/planner';
import { Terraform } from './support/terraform';

let dir: string;
let tf: Terraform;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-plan-text-'));
  tf = new Terraform(dir);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(resources: Record<string, unknown>): void {
  fs.writeFileSync(path.join(dir, 'main.tf.json'), JSON.stringify({
    resource: { terraform_data: resources },
    output: { facts: { value: JSON.stringify(Object.keys(resources)) } },
  }));
}

function planAndShow(): { fromPlan: string | undefined; shown: string } {
  const planned = tf.ok('plan', '-input=false', '-no-color', '-out=review.tfplan');
  const shown = tf.ok('show', '-no-color', 'review.tfplan');
  return { fromPlan: planText(planned.stdout), shown: shown.stdout };
}

test.each([
  ['creates', { a: { input: 'one' }, b: { input: 'two' } }],
  ['updates and destroys', { a: { input: 'changed' } }],
  ['no changes', { a: { input: 'changed' } }],
])('%s: the text cut from the plan output is what terraform show prints', (label, resources) => {
  if (label === 'creates') tf.init();
  write(resources);
  const { fromPlan, shown } = planAndShow();
  expect(fromPlan).toBe(shown);
  tf.ok('apply', '-input=false', '-no-color', 'review.tfplan');
});

test('output without the marks gives nothing (the review then asks terraform show)', () => {
  expect(planText('Error: something\n')).toBeUndefined();
});
