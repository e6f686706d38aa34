/** Synthesizes one Domain into its own folder, with its local state there too. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, LocalBackend } from 'cdktf';
import { Domain } from '../../constructs/src';

export interface SynthesizedStack {
  readonly dir: string;
  readonly json: any;
}

export function synthDomain(build: (app: App) => Domain): SynthesizedStack {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-synth-'));
  const app = new App({ outdir });
  const domain = build(app);
  const dir = path.join(outdir, 'stacks', domain.node.id);
  new LocalBackend(domain, { path: path.join(dir, 'terraform.tfstate') });
  app.synth();
  return { dir, json: JSON.parse(fs.readFileSync(path.join(dir, 'cdk.tf.json'), 'utf8')) };
}

/** Writes changed Terraform JSON over a synthesized stack (for hand-made bad configurations). */
export function rewriteStack(stack: SynthesizedStack, edit: (json: any) => void): void {
  edit(stack.json);
  fs.writeFileSync(path.join(stack.dir, 'cdk.tf.json'), JSON.stringify(stack.json, null, 2));
}
