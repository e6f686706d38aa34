import type { AuthorityModel } from '../authority-model';
import type { AuthorityPolicy } from '../authority-policy';
import { RuleFinding, RuleLevel } from '../rule';
import { AuthorityRule } from '../rule-base';

/**
 * Two protections in the app, in any Domains, with the same key on one platform table. The key
 * names the guard, so the second would overwrite the first (or its apply fail) and leave columns
 * writable. Keys carry a digest of the policy's path, so this takes a digest collision: rare, and
 * refused rather than applied.
 */
export class GuardCollisionRule extends AuthorityRule {
  constructor() {
    super({
      id: 'guard-collision',
      summary: 'Two protections share a key on one platform table (their guards would have one name).',
      explanation:
        'A protection\'s key names its guard on the platform (the trigger, on PostgreSQL). Two protections of ' +
        'one table with the same key are one guard: whichever applies last replaces the other, and the columns ' +
        'only the other protected become writable by people and integrations.',
      advice: 'Rename one of the policies (its construct id), so its protections get another key.',
      level: RuleLevel.ERROR,
      // Not suppressible: one of the two protections would silently not be enforced.
      suppressible: false,
    });
  }

  public evaluate(model: AuthorityModel): RuleFinding[] {
    const seen = new Map<string, AuthorityPolicy>();
    // One finding per pair of policies (and key), naming every table where they meet.
    const clashes = new Map<string, { policy: AuthorityPolicy; first: AuthorityPolicy; key: string; tables: string[] }>();
    for (const policy of model.policies) {
      for (const { config: c } of policy._protectionSpecs()) {
        const slot = JSON.stringify([c.platform, c.schema ?? 'public', c.table, c.key]);
        const first = seen.get(slot);
        if (!first) {
          seen.set(slot, policy);
          continue;
        }
        const pair = JSON.stringify([first.node.path, policy.node.path, c.key]);
        const clash = clashes.get(pair) ?? { policy, first, key: c.key ?? '', tables: [] };
        clash.tables.push(`${c.platform} ${c.schema ?? 'public'}.${c.table}`);
        clashes.set(pair, clash);
      }
    }
    return [...clashes.values()].map(({ policy, first, key, tables }) => ({
      subject: policy,
      message:
        `its protection${tables.length > 1 ? 's' : ''} of ${tables.join(', ')} ${tables.length > 1 ? 'have' : 'has'} the key "${key}", ` +
        `as ${first === policy ? 'another of its own' : `${first.node.path}'s`}: one guard would replace the other.`,
      advice: `Rename ${policy.node.path} or ${first.node.path} (the construct id), so their keys differ.`,
    }));
  }
}
