/**
 * The map's answers in words: small functions from plain ownership data to the sentences an
 * operator reads in `explain`, the wiki page and the MCP tools' answers (one wording everywhere).
 */
import type { OwnershipCopy, OwnershipFact, OwnershipPlatform } from '../constructs/src/ownership';

/** "the CRM (crm)"; a platform the data does not name reads as its name. */
export function platformWords(name: string, platforms: ReadonlyMap<string, OwnershipPlatform>): string {
  const p = platforms.get(name);
  return p && p.title !== name ? `${p.title} (${name})` : name;
}

function sentence(s: string): string {
  const t = s.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

export function originWords(fact: OwnershipFact, platforms: ReadonlyMap<string, OwnershipPlatform>): string {
  const authority = platformWords(fact.authority.platform, platforms);
  const at = fact.authority.location ? ` at ${fact.authority.location}` : '';
  const decided = `${authority} is the authority${at}, governed by ${fact.governedBy}.`;
  if (!fact.origin) return `${fact.id} has no declared origin. ${decided}`;
  if (fact.origin === fact.authority.platform) return `${fact.id} originates in ${authority}, which is also its authority${at}, governed by ${fact.governedBy}.`;
  return `${fact.id} originates in ${platformWords(fact.origin, platforms)}. ${decided}`;
}

export function correctionWords(fact: OwnershipFact, platforms: ReadonlyMap<string, OwnershipPlatform>): string {
  const c = fact.correction;
  if (!c) {
    return `No correction path is declared: correct ${fact.id} in its authority, ${platformWords(fact.authority.platform, platforms)}, never in a copy.`;
  }
  const where = platformWords(c.platform, platforms);
  return [
    sentence(`Correct ${fact.id} in ${where}${c.how ? `: ${c.how}` : ''}`),
    c.runbook ? sentence(`Runbook: ${c.runbook}`) : '',
    c.contact ? sentence(`Ask ${c.contact}`) : '',
    'Never correct it in a copy: the sync would overwrite it.',
  ].filter(Boolean).join(' ');
}

/** How strongly a copy is held, and what the policy requires: " Strength: enforced (the policy requires enforced)." */
export function strengthWords(strength: string | undefined, required: string): string {
  const requires = required === 'manual' ? '' : ` (the policy requires ${required})`;
  return strength ? ` Strength: ${strength}${requires}.` : required === 'manual' ? '' : ` The policy requires ${required} protection.`;
}

/** What people may do to one copy, in words. */
export function copyWords(
  copy: OwnershipCopy, nature: 'projection' | 'consumer', platforms: ReadonlyMap<string, OwnershipPlatform>,
  held: { readonly strength?: string; readonly requiredStrength: string } = { requiredStrength: 'manual' },
): string {
  const named = platformWords(copy.platform, platforms);
  const where = `${named.charAt(0).toUpperCase()}${named.slice(1)}${copy.location ? ` at ${copy.location}` : ''}`;
  const from = platformWords(copy.fedFrom, platforms);
  const kind = nature === 'consumer' ? 'a consumer (it reports on the fact)' : 'a projection';
  const enforced = (copy.protected ? ' The platform refuses people\'s edits.' : ' The platform does not refuse edits.') +
    strengthWords(held.strength, held.requiredStrength);
  switch (copy.edits) {
    case 'local_override': {
      const why = copy.reason ? ` because ${copy.reason.replace(/[.]$/, '')}` : '';
      const until = copy.expires ? ` until ${copy.expires}` : '';
      return `${where} is ${kind} fed from ${from}; people may override the value there locally${why}${until}.${enforced}`;
    }
    case 'enrich_only':
      return `${where} is ${kind} fed from ${from}; people may add data around it there but never change it.${enforced}`;
    default:
      return `${where} is ${kind} fed from ${from}; read-only: nobody edits it there, only the sync writes it.${enforced}`;
  }
}

export function copiesWords(fact: OwnershipFact, platforms: ReadonlyMap<string, OwnershipPlatform>): string {
  if (fact.copies.length === 0) return `${fact.id} has no copies: only ${platformWords(fact.authority.platform, platforms)} holds it.`;
  const n = fact.copies.length;
  return `${fact.id} has ${n} ${n === 1 ? 'copy' : 'copies'}, none of them authoritative: ${fact.copies.map((c) => platformWords(c.platform, platforms)).join(', ')}.`;
}

/** Which way values flow: "crm -> ops, cms, bi" (a copy fed from another copy gets its own arrow). */
export function directionOf(fact: OwnershipFact): string {
  if (fact.copies.length === 0) return fact.authority.platform;
  const arrow = fact.propagation === 'two_way' ? '<->' : '->';
  const bySource = new Map<string, string[]>();
  for (const c of fact.copies) bySource.set(c.fedFrom, [...(bySource.get(c.fedFrom) ?? []), c.platform]);
  return [...bySource].map(([from, to]) => `${from} ${arrow} ${to.join(', ')}`).join('; ');
}

const PROPAGATION: Record<string, (direction: string, lag: string) => string> = {
  one_way: (d, lag) => `Values flow one way, ${d}${lag}.`,
  two_way: (d, lag) => `Values flow both ways, ${d}, each side only for the fields it controls${lag}.`,
  derived: (d) => `The copies are computed from the authority (${d}); nobody writes them.`,
  report_only: (d) => `The copies only report on the fact (${d}); nothing writes back.`,
};

const DIVERGENCE: Record<string, (authority: string) => string> = {
  authority_wins: (a) => `When values differ, ${a} wins: the sync overwrites the copy with the authority's value.`,
  authority_unless_blank: (a) => `When values differ, ${a} wins unless its value is blank; then the copy's value stays.`,
  newest_wins: (a) => `When a local override and a change from ${a} meet, the later one to reach the copy stands.`,
  manual_review: () => 'When values differ, a person decides; the sync holds the field until then.',
};

/** What happens when values diverge under `rule`, in one sentence (the map, explain, MCP and the catalog page say it alike). */
export function divergenceSentence(rule: string, authority: string): string {
  return (DIVERGENCE[rule] ?? (() => `When values differ: ${rule}.`))(authority);
}

export function divergenceWords(fact: OwnershipFact, platforms: ReadonlyMap<string, OwnershipPlatform>): string {
  const lag = fact.maxLag ? `, a copy lagging at most ${fact.maxLag}` : '';
  const flow = (PROPAGATION[fact.propagation] ?? ((d: string) => `Values flow ${d} (${fact.propagation}).`))(directionOf(fact), lag);
  const rule = divergenceSentence(fact.divergence, platformWords(fact.authority.platform, platforms));
  return `${flow} ${rule}`;
}
