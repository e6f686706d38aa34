/**
 * Questions asked of the map: `explain`, the MCP tools and the catalog page all answer from
 * these functions, so they never disagree.
 */
import { Contract } from '../constructs/src/contract';
import { factsById } from './build';
import type { LiveStatus, ProtectionStatus, RouteStatus } from './live';
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
    `${askedWords(q)} is neither a governed fact nor a platform location the map knows. ` +
      `Name a fact as concept.field or a column as platform:table.column` +
      (near.length ? `; did you mean ${near.map((n) => `"${n}"`).join(', ')}?` : `; ${knownFactsWords(map)}`),
  );
}

/**
 * What a person asked, quoted for a message: control characters escaped (a terminal must not act
 * on them) and long input cut, so a pasted paragraph does not flood the answer.
 */
export function askedWords(query: string, max = 80): string {
  // JSON.stringify escapes C0 controls only: C1 controls (U+0080-U+009F, e.g. U+009B, a CSI) and
  // the bidirectional and line-separator formatting characters would still reach the terminal raw.
  const quoted = JSON.stringify(query.length > max ? query.slice(0, max) : query)
    .replace(/[\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return query.length > max ? `${quoted.slice(0, -1)}…" (${query.length} characters)` : quoted;
}

/** The facts the map knows, at most `max` of them named, the rest counted. */
export function knownFactsWords(map: AuthorityMap, max = 12): string {
  const ids = map.facts.map((f) => f.id);
  if (ids.length <= max) return `known facts: ${ids.join(', ')}.`;
  return `known facts include ${ids.slice(0, max).join(', ')} and ${ids.length - max} more (npx authority map lists them all).`;
}

/** Resolves a field asked about on one platform: "campaigns.name", "public.campaigns.name" or a fact id. */
export function resolveOn(map: AuthorityMap, platform: string, field: string): Subject {
  if (!map.platforms.some((p) => p.id === platform)) {
    throw new Error(`The map knows no platform ${askedWords(platform)}; known platforms: ${map.platforms.map((p) => p.id).join(', ')}.`);
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

/** A duration read from a platform: "0.4 s", "12 min", "3 h", "5 days". */
export function durationWords(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds * 10) / 10} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h`;
  const days = Math.round(seconds / 86400);
  return `${days} ${days === 1 ? 'day' : 'days'}`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const STATE_WORDS: Record<string, string> = {
  enforced: 'enforced', drifted: 'DRIFTED (changed by hand outside terraform; apply repairs it)', not_applied: 'not applied yet',
  streaming: 'streaming',
};

/** One protection's live status in words: state, strength, and the values overridden now. */
export function protectionSays(p: Omit<ProtectionStatus, 'says'>): string {
  const state = p.role === 'authority' && p.state === 'enforced' ? 'recorded' : STATE_WORDS[p.state];
  const strength = p.role === 'copy' && p.strength ? `, strength ${p.strength}` : '';
  const o = p.overrides;
  const overridden = !o ? '' : o.count === 0 ? '; no value overridden locally' :
    `; ${plural(o.count, 'value')} overridden locally (oldest ${durationWords(o.oldestSeconds ?? 0)}, by ${o.by.join(', ')})` +
    (o.expired ? `, ${o.expired} past the expiry and waiting to revert` : '');
  return `protection on ${p.platform} ${p.table} (${p.role}): ${state}${strength}${overridden}`;
}

/** One route's live status in words: state, the current lag against max lag, the review queue. */
export function routeSays(r: Omit<RouteStatus, 'says'>): string {
  const parts = [STATE_WORDS[r.state]];
  const max = r.maxLag ? ` (max ${r.maxLag})` : '';
  if (r.now && r.now.lagSeconds !== undefined) {
    const behind = r.maxLag && lagBeyond(r.now.lagSeconds, r.maxLag) ? ', BEHIND its max lag' : '';
    parts.push(`lag now ${durationWords(r.now.lagSeconds)}${max}${behind}`);
  } else if (r.now) {
    parts.push(`not connected to ${r.from}: lag unknown${max}`);
  }
  if (r.now?.applyErrors) parts.push(`${plural(r.now.applyErrors, 'change')} the copy failed to apply`);
  const q = r.now?.review;
  if (q) {
    parts.push(q.open === 0 ? `no conflict waits for review in ${q.queue}`
      : `${plural(q.open, 'conflict')} ${q.open === 1 ? 'waits' : 'wait'} for review in ${q.queue}${q.oldestSeconds !== undefined ? ` (oldest ${durationWords(q.oldestSeconds)})` : ''}`);
  }
  const resolving = q?.resolving ?? r.resolutionsWaiting ?? 0;
  if (resolving) parts.push(`${plural(resolving, 'resolved value')} ${resolving === 1 ? 'waits' : 'wait'} for the sync to write it`);
  return `sync route ${r.from} -> ${r.to} ${r.table}: ${parts.join('; ')}`;
}

/** Whether `seconds` is beyond a max lag written "90s", "5m", "2h", "1d" (the contract's reading, as the provider's). */
function lagBeyond(seconds: number, maxLag: string): boolean {
  const limit = Contract.parseLag(maxLag);
  return limit !== undefined && seconds > limit;
}

/** The live status in words: what `explain --live` prints under the four answers. */
export function liveStatusText(s: LiveStatus): string {
  return [
    `Live status (refresh-only plan of domain ${s.domain}, and the platforms read now)`,
    ...s.protections.map((p) => `  ${p.says}`),
    ...s.routes.map((r) => `  ${r.says}`),
    ...(s.warnings.length ? ['  The provider warns:', ...s.warnings.map((w) => `    ${w}`)] : ['  The provider reports no further warnings.']),
  ].join('\n');
}
