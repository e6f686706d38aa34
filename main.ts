/**
 * The cdktf app: synthesizes the organization's authority model (policies/) into one stack per
 * domain, and points each stack at the local provider mirror so terraform finds the provider.
 */
import { App, TerraformBackend, TerraformStack } from 'cdktf';
import { defineOrganization } from './policies';
import { addStateBackend } from './review/apply-state';
import { STATE_DIR } from './tooling/paths';
import { linkMirrorIntoStacks } from './tooling/provider-mirror';

const app = new App();
try {
  defineOrganization(app);
  // Local state beside the embedded default's data (git-ignored), or with
  // AUTHORITY_STATE_BACKEND=pg a team's PostgreSQL (review/apply-state.ts). A Domain given its own
  // backend in policies/ is left as it is.
  for (const stack of app.node.children.filter(TerraformStack.isStack)) {
    if (!stack.node.children.some((c) => c instanceof TerraformBackend)) addStateBackend(stack, STATE_DIR);
  }
  app.synth();
} catch (e) {
  // A modelling error is the user's to fix: say what and where, without a stack trace.
  console.error(`authority: ${(e as Error).message}`);
  process.exit(1);
}
linkMirrorIntoStacks(app.outdir);
