/**
 * Questions asked of the map: `explain`, the MCP tools and the catalog page all answer from
 * these functions, so they never disagree.
 */
import { factsById } from './build';
import type { AuthorityMap, CopiesAnswer, CorrectionAnswer, DivergenceAnswer, FactAnswers, MapFact, MapLocation, OriginAnswer } from './map-types';

/** What a question named: a fact, and the platform location it was asked about (if any). */
export interface Subject {
  readonly fact: MapFact;
  /** @default asked by fact id */
  readonly location?: MapLocation;
}

/**
 * Finds the fact a person names: its id ("campaign.name") or where it lives ("ops:campaigns.name",
 * "ops:public.campaigns.name"). Unknown names throw, listing what the map knows.
 */
export function resolve(map: AuthorityMap, query: string): Subject {
  const q = query.trim();
  const fact = factsById(map).get(q);
  if (fact) return { fact };
  const location = map.locations[q];
  if (location) return { fact: factsById(map).get(location.fact)!, location };
  const near = [...map.facts.map((f) => f.id), ...Object.keys(map.locations)]
    .filter((k) => q.split(/[:.]/).some((part) => part.length > 1 && k.includes(part))).slice(0, 8);
  throw new Error(
    `"${q}" is neither a governed fact nor a platform location the map knows. ` +
      `Name a fact as concept.field or a column as platform:table.column` +
      (near.length ? `; did you mean ${near.map((n) => `"${n}"`).join(', ')}?` : `; known facts: ${map.facts.map((f) => f.id).join(', ')}.`),
  );
}

/** Resolves a field asked about on one platform: "campaigns.name", "public.campaigns.name" or a fact id. */
export function resolveOn(map: AuthorityMap, platform: string, field: string): Subject {
  if (!map.platforms.some((p) => p.id === platform)) {
    throw new Error(`The map knows no platform "${platform}"; known platforms: ${map.platforms.map((p) => p.id).join(', ')}.`);
  }
  const f = field.includes(':') ? field.slice(field.indexOf(':') + 1) : field;
  const at = map.locations[`${platform}:${f}`];
  if (at) return resolve(map, `${platform}:${f}`);
  return resolve(map, f);
}

export interface WhoOwns extends OriginAnswer {
  readonly fact: string;
  /** When asked about a column: whether that column is the authority or a copy. */
  readonly asked?: MapLocation;
}

export function whoOwns(map: AuthorityMap, query: string): WhoOwns {
  const s = resolve(map, query);
  return { fact: s.fact.id, ...(s.location ? { asked: s.location } : {}), ...s.fact.answers.origin };
}

export function whereToCorrect(map: AuthorityMap, query: string): CorrectionAnswer & { readonly fact: string } {
  const s = resolve(map, query);
  return { fact: s.fact.id, ...s.fact.answers.correction };
}

export function whatIfValuesDiffer(map: AuthorityMap, query: string): DivergenceAnswer & { readonly fact: string } {
  const s = resolve(map, query);
  return { fact: s.fact.id, ...s.fact.answers.divergence };
}

export function listCopies(map: AuthorityMap, query: string): CopiesAnswer & { readonly fact: string } {
  const s = resolve(map, query);
  return { fact: s.fact.id, ...s.fact.answers.copies };
}

export interface WriteAnswer {
  readonly fact: string;
  readonly platform: string;
  /** Whether a person may change the fact's value on `platform`. */
  readonly allowed: boolean;
  readonly why: string;
  /** Where to write instead, when not here. @default none (allowed) */
  readonly writeInstead?: CorrectionAnswer;
}

/**
 * May a person write `field` on `platform`? Yes on the authority and on a copy that allows local
 * overrides (until it expires, by `today`); otherwise no, with where to correct it instead.
 */
export function mayIWrite(map: AuthorityMap, platform: string, field: string, today = new Date().toISOString().slice(0, 10)): WriteAnswer {
  const { fact } = resolveOn(map, platform, field);
  const a = fact.answers;
  const base = { fact: fact.id, platform };
  if (a.origin.authority === platform) {
    return { ...base, allowed: true, why: `${platform} is the authority for ${fact.id}: correct it here. ${a.correction.says}` };
  }
  const instead = { writeInstead: a.correction };
  const copy = a.copies.copies.find((c) => c.platform === platform);
  if (!copy) {
    return { ...base, allowed: false, why: `${platform} holds no copy of ${fact.id}; it is decided in ${a.origin.authority}. ${a.correction.says}`, ...instead };
  }
  if (copy.mayEdit && (!copy.expires || copy.expires >= today)) {
    return { ...base, allowed: true, why: `${copy.says} A local override stays on ${platform}; the authority's value is corrected in ${a.correction.platform}.` };
  }
  const expired = copy.mayEdit ? ` Its local override expired on ${copy.expires}.` : '';
  return { ...base, allowed: false, why: `No: ${copy.says}${expired} ${a.correction.says}`, ...instead };
}

/** Everything the map says about one fact: what `explain --json` prints. */
export interface Explanation {
  readonly fact: string;
  readonly domain: string;
  readonly policy: string;
  /** @default none */
  readonly description?: string;
  /** When asked about a column: that column. @default asked by fact id */
  readonly asked?: MapLocation;
  readonly answers: FactAnswers;
}

export function explain(map: AuthorityMap, query: string): Explanation {
  const { fact, location } = resolve(map, query);
  return {
    fact: fact.id,
    domain: fact.domain,
    policy: fact.policy,
    ...(fact.description ? { description: fact.description } : {}),
    ...(location ? { asked: location } : {}),
    answers: fact.answers,
  };
}

/** The explanation in words, one paragraph per question. */
export function explanationText(e: Explanation): string {
  const a = e.answers;
  const asked = e.asked
    ? `${e.asked.location} holds ${e.fact}${e.asked.role === 'authority' ? ': it is the authority' : ': it is a copy, not the authority'}.\n\n` : '';
  return [
    `${e.fact}${e.description ? ` (${e.description})` : ''}: decided by ${e.policy} in domain ${e.domain}.`,
    '',
    `${asked}Where it originates\n  ${a.origin.says}`,
    '',
    `Where to correct it\n  ${a.correction.says}`,
    '',
    `Copies and projections\n  ${a.copies.says}${a.copies.copies.map((c) => `\n  - ${c.says}`).join('')}`,
    '',
    `When values differ\n  ${a.divergence.says}`,
  ].join('\n');
}
