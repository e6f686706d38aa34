/**
 * What the catalog page shows, as plain data: platforms, facts (each with its domain) and the flows
 * between platforms (authority or declared feed -> copy), read from the ownership facts. The page's
 * one input adapter is `pageModelOf`: the page renders nothing it does not get from here.
 */
import type { DomainOwnership, OwnershipFact, OwnershipPlatform } from '../constructs/src/ownership';
import { divergenceSentence } from './words';

/** The catalog page's input. */
export interface CatalogPageInput {
  /** Every domain's ownership facts (`Ownership.ofApp(app)`). */
  readonly domains: readonly DomainOwnership[];
  /** The page's heading. @default "Authority catalog" */
  readonly title?: string;
  /** When the data was read, shown under the heading (e.g. an ISO date). @default not shown */
  readonly generatedAt?: string;
}

/** A fact with the domain that declares it. */
export interface PageFact extends OwnershipFact {
  readonly domain: string;
}

/** Values of one or more facts flow from one platform to another. */
export interface PageFlow {
  readonly from: string;
  readonly to: string;
  /** Each fact that flows, with its lag bound ("5m"), if any. */
  readonly facts: readonly { readonly id: string; readonly maxLag?: string; readonly propagation: string }[];
}

export interface PageModel {
  readonly title: string;
  readonly generatedAt?: string;
  readonly domains: readonly { readonly id: string; readonly governedBy: string; readonly description?: string; readonly facts: readonly PageFact[] }[];
  /** Every platform any domain names, first mention first. */
  readonly platforms: readonly OwnershipPlatform[];
  readonly flows: readonly PageFlow[];
}

/** The page's model of `input`: platforms merged across domains, flows grouped by pair. */
export function pageModelOf(input: CatalogPageInput): PageModel {
  const platforms = new Map<string, OwnershipPlatform>();
  const flows = new Map<string, { from: string; to: string; facts: PageFlow['facts'][number][] }>();
  const domains = input.domains.map((d) => {
    for (const p of d.platforms) if (!platforms.has(p.name)) platforms.set(p.name, p);
    const facts = d.facts.map((f) => ({ ...f, domain: d.domain }));
    for (const f of facts) {
      for (const c of f.copies) {
        const key = JSON.stringify([c.fedFrom, c.platform]);
        const flow = flows.get(key) ?? { from: c.fedFrom, to: c.platform, facts: [] };
        flow.facts.push({ id: f.id, propagation: f.propagation, ...(f.maxLag ? { maxLag: f.maxLag } : {}) });
        flows.set(key, flow);
      }
      // A platform named only by a fact (never by a domain's list) still gets a node.
      for (const name of [f.authority.platform, ...f.copies.map((c) => c.platform), ...f.copies.map((c) => c.fedFrom)]) {
        if (!platforms.has(name)) platforms.set(name, { name, title: name, kind: 'unknown', role: 'operational' });
      }
    }
    return { id: d.domain, governedBy: d.governedBy, ...(d.description ? { description: d.description } : {}), facts };
  });
  return {
    title: input.title ?? 'Authority catalog',
    ...(input.generatedAt ? { generatedAt: input.generatedAt } : {}),
    domains,
    platforms: [...platforms.values()],
    flows: [...flows.values()],
  };
}

/** What people may do on a copy, in words. */
export function editsInWords(edits: string, reason?: string, expires?: string): string {
  switch (edits) {
    case 'read_only': return 'Read-only: only the sync writes it; people are refused and sent to the authority.';
    case 'enrich_only': return 'Enrich only: people add data around it but never change it; the value itself is read-only.';
    case 'local_override':
      return `Local override allowed${reason ? `: ${reason}` : ''}${expires ? ` (until ${expires})` : ''}. The authority's value returns when the override ends.`;
    default: return `Allowed edits: ${edits}.`;
  }
}

/** What happens when values diverge, in words (one wording with the map's). */
export function divergenceInWords(rule: string, authority: string): string {
  return divergenceSentence(rule, authority);
}

/** How values travel, in words. */
export function propagationInWords(propagation: string, authority: string): string {
  switch (propagation) {
    case 'one_way': return `One way, from ${authority} out to its copies.`;
    case 'two_way': return 'Both ways, each side controlling its declared fields.';
    case 'derived': return `Derived: copies are a cache or projection computed from ${authority}.`;
    case 'report_only': return 'Report only: copies report on the data; nothing writes back.';
    default: return `Propagation: ${propagation}.`;
  }
}

/** Everything a person might search a fact by, lower-cased: id, platforms, locations, teams. */
export function searchTextOf(f: PageFact, platforms: ReadonlyMap<string, OwnershipPlatform>): string {
  const names = [f.authority.platform, ...f.copies.map((c) => c.platform), f.correction?.platform, f.origin].filter((n): n is string => !!n);
  return [
    f.id, f.description, f.domain, f.governedBy, f.policy,
    ...names, ...names.map((n) => platforms.get(n)?.title),
    f.authority.location, ...f.copies.map((c) => c.location), f.correction?.contact,
  ].filter((t): t is string => !!t).join('\n').toLowerCase();
}
