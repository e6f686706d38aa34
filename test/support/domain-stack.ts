/** A test domain on the CRM and the ops tool, as most e2e files declare one. */
import { Domain, PlatformKind } from '../../constructs/src';
import { TestPlatforms, connectedPlatform } from './platforms';
import { SynthesizedStack, synthDomain } from './stack';
import { Terraform } from './terraform';

/** Synthesizes domain `id` on the test servers' CRM and ops tool (`build` declares its resources) and runs terraform init. */
export function domainStack(platforms: TestPlatforms, id: string, build: (domain: Domain) => void): { stack: SynthesizedStack; tf: Terraform } {
  const stack = synthDomain((app) => {
    const domain = new Domain(app, id, { governedBy: 'Test team' });
    domain.usePlatform(connectedPlatform('crm', platforms.crm, PlatformKind.CRM));
    domain.usePlatform(connectedPlatform('ops', platforms.ops, PlatformKind.INTERNAL_TOOL));
    build(domain);
    return domain;
  });
  const tf = new Terraform(stack.dir);
  tf.init();
  return { stack, tf };
}
