/**
 * What a policy's holders (its authority and copies) must satisfy before it makes any resource:
 * no contradiction among them, and the strength the policy requires on each copy's platform.
 */
import { AllowedEdits, Copy, ProtectionStrength } from './copy';
import { Platform } from './platform';

/**
 * Whether a policy's holders contradict each other: a copy on the authority, two copies on one
 * platform, or copies fed from each other in a circle. Each is a rule's finding
 * (copy-on-authority, duplicate-copy, sync-loop); the policy makes no resources then, since they
 * would collide (two protections or routes of one name).
 */
export function holderConflicts(authority: Platform, copies: readonly Copy[]): boolean {
  const platforms = copies.map((c) => c.platform);
  if (platforms.includes(authority) || new Set(platforms).size < platforms.length) return true;
  return copies.some((copy) => {
    const seen = new Set<Platform>();
    for (let at: Copy | undefined = copy; at?.feedsFrom; at = copies.find((c) => c.platform === at!.feedsFrom)) {
      if (seen.has(at.platform)) return true;
      seen.add(at.platform);
    }
    return false;
  });
}

/**
 * The policy's required strength, checked against each copy's platform at synth: a copy whose
 * platform cannot hold what it allows that strongly is refused, naming the policy and the platform.
 */
export function checkStrength(path: string, required: unknown, copies: Copy[]): ProtectionStrength {
  const strengths = Object.values(ProtectionStrength) as string[];
  if (required === undefined) return ProtectionStrength.MANUAL;
  if (typeof required !== 'string' || !strengths.includes(required)) {
    throw new Error(`${path}: requiredStrength must be ProtectionStrength.ENFORCED, ADVISORY or MANUAL; got ${JSON.stringify(required)}.`);
  }
  for (const copy of copies.filter((c) => c.platform.connection)) {
    if (strengths.indexOf(copy.strength) > strengths.indexOf(required)) {
      const what = copy.edits === AllowedEdits.LOCAL_OVERRIDE ? 'a local override' : 'a read-only copy';
      throw new Error(`${path}: the policy requires ${required} protection, but ${copy.platform.name} ` +
        `(${copy.platform.connection!.providerKind}) holds ${what} only as "${copy.strength}". ` +
        'Hold the copy on a platform that enforces it (or make it read-only there), or relax requiredStrength.');
    }
  }
  return required as ProtectionStrength;
}
