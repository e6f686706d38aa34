/**
 * The conformance suite's side through real terraform and the real provider: what a kind must do
 * when the resources drive it (drift shown and repaired, import, destroy, an unreachable platform
 * as a diagnostic). Shares the server of suite.ts.
 */
import { Domain, Platform, PlatformConnection, PlatformKind } from '../../constructs/src';
import { FieldProtection } from '../../provider/platforms/adapter';
import { joinId } from '../../provider/resources/import-id';
import { SynthesizedStack, rewriteStack, synthDomain } from '../support/stack';
import { Terraform } from '../support/terraform';
import { KindFixture, KindServer } from './fixture';
import { declaration } from './declarations';
import { ObjectValue } from '../../provider/framework';

const RESOURCE = 'authority_field_protection';

/**
 * A stack with one platform of the fixture's kind, configured with `settings` exactly as the kind's
 * block takes them, and the protections given (by resource name).
 */
export function protectionStack(kind: string, platform: string, settings: ObjectValue, env: NodeJS.ProcessEnv = {}): { stack: SynthesizedStack; tf: Terraform } {
  const stack = synthDomain((app) => {
    const domain = new Domain(app, `conformance-${kind}`, { governedBy: 'Conformance suite' });
    // Any connection makes the Domain declare the provider; its platform block is replaced below by the kind's own.
    domain.usePlatform(new Platform({ name: platform, kind: PlatformKind.INTERNAL_TOOL, connection: PlatformConnection.postgresql({ host: 'placeholder', database: 'x', username: 'x' }) }));
    return domain;
  });
  rewriteStack(stack, (json) => {
    json.provider.authority[0].platform = [{ name: platform, [kind]: [settings] }];
  });
  const tf = new Terraform(stack.dir, env);
  tf.init();
  return { stack, tf };
}

/** Sets the stack's protections (by resource name), as terraform JSON. */
export function declare(stack: SynthesizedStack, platform: string, protections: Record<string, FieldProtection>): void {
  rewriteStack(stack, (json) => {
    json.resource = Object.keys(protections).length === 0 ? undefined : {
      [RESOURCE]: Object.fromEntries(Object.entries(protections).map(([name, p]) => [name, {
        platform, schema: p.location.namespace, table: p.location.container, columns: p.fields, authority: p.authority, key: p.key,
        fact: p.fact, sync_principal: p.syncPrincipal, correction_hint: p.correctionHint,
      }])),
    };
    if (!json.resource) delete json.resource;
  });
}

/** Terraform's output carries no stack trace (a line such as "    at Foo (file.js:1:2)"). */
export const STACK_TRACE = /^\s+at .+[:(].*\d+:\d+\)?$/m;

export function describeThroughTerraform(fixture: KindFixture, shared: () => KindServer): void {
  describe('through terraform and the provider', () => {
    let server: KindServer;
    let stack: SynthesizedStack;
    let tf: Terraform;
    let before: unknown;
    let p: FieldProtection;
    const address = `${RESOURCE}.guarded`;

    beforeAll(async () => {
      server = shared();
      before = await server.snapshot();
      ({ stack, tf } = protectionStack(fixture.kind, server.platform, server.settings, server.env));
      p = declaration(server, 'through_terraform');
      declare(stack, server.platform, { guarded: p });
    });

    test('apply protects: a person is refused with the correction hint, and the next plan shows no changes', async () => {
      tf.apply();
      for (const field of p.fields) expect(await server.personEdits(p.location, field)).toContain(p.correctionHint);
      const plan = tf.plan();
      expect(plan.output).toContain('No changes');
      expect(plan.code).toBe(0);
    });

    // The kind's first hand edit leaves its mechanism in place, altered: read back shows it not enforced.
    test(`a hand edit (${fixture.handEdits[0]?.label}) shows as drift in the next plan, with a warning; apply repairs it`, async () => {
      await fixture.handEdits[0].undo(p);
      const plan = tf.plan();
      expect(plan.code).toBe(2);
      expect(plan.output).toMatch(/~ enforced\s+= false -> true/);
      expect(plan.output).toContain(`${p.fact}: the protection on ${server.platform} ${p.location.namespace}.${p.location.container} was disabled or altered by hand`);
      tf.apply();
      for (const field of p.fields) expect(await server.personEdits(p.location, field)).toContain(p.correctionHint);
      expect(tf.plan().code).toBe(0);
    });

    test('import by id (platform/namespace/container/key) gives a clean plan', () => {
      tf.ok('state', 'rm', address);
      expect(tf.plan().code).toBe(2);
      tf.ok('import', '-input=false', '-no-color', address, joinId(server.platform, p.location.namespace, p.location.container, p.key));
      const plan = tf.plan();
      expect(plan.output).toContain('No changes');
      expect(plan.code).toBe(0);
    });

    test('destroy leaves the platform exactly as found', async () => {
      tf.destroy();
      expect(await server.snapshot()).toEqual(before);
      for (const field of p.fields) expect(await server.personEdits(p.location, field)).toBeUndefined();
    });

    test('an unreachable platform: plan fails with a diagnostic naming the platform, never a stack trace', () => {
      const nowhere = protectionStack(fixture.kind, 'nowhere', fixture.unreachableSettings());
      declare(nowhere.stack, 'nowhere', { guarded: p });
      const plan = nowhere.tf.plan();
      expect(plan.code).toBe(1);
      expect(plan.output).toContain('Platform "nowhere" is unreachable');
      expect(plan.output).not.toMatch(STACK_TRACE);
    });
  });
}
