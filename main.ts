/**
 * The cdktf app: synthesizes the organization's authority model (policies/) into one stack per
 * domain, and points each stack at the local provider mirror so terraform finds the provider.
 */
import { App } from 'cdktf';
import { defineOrganization } from './policies';
import { linkMirrorIntoStacks } from './tooling/provider-mirror';

const app = new App();
try {
  defineOrganization(app);
  app.synth();
} catch (e) {
  // A modelling error is the user's to fix: say what and where, without a stack trace.
  console.error(`authority: ${(e as Error).message}`);
  process.exit(1);
}
linkMirrorIntoStacks(app.outdir);
