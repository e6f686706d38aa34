/**
 * Builds the authority map from the model's ownership facts (Ownership.ofApp): the one source
 * every view of the map (JSON, Markdown, ODCS, OpenLineage, explain, MCP) is computed from.
 */
import type { DomainOwnership, OwnershipFact, OwnershipPlatform } from '../constructs/src/ownership';
import {
  AUTHORITY_MAP_FORMAT_VERSION, AuthorityMap, MapCopy, MapDomain, MapFact, MapLocation, MapPlatform,
} from './map-types';
import { Contract } from '../constructs/src/contract';
import { copiesWords, copyWords, correctionWords, directionOf, divergenceWords, originWords } from './words';

/** Both spellings of a location: "ops:public.campaigns.name" and, in schema public, "ops:campaigns.name". */
export function locationKeys(location: string): string[] {
  const m = /^([^:]+):public\.([^.]+\.[^.]+)$/.exec(location);
  return m ? [location, `${m[1]}:${m[2]}`] : [location];
}

export function buildMap(domains: readonly DomainOwnership[], organization = 'policies/'): AuthorityMap {
  const platforms = new Map<string, OwnershipPlatform>();
  for (const d of domains) for (const p of d.platforms) if (!platforms.has(p.name)) platforms.set(p.name, p);

  const facts: MapFact[] = [];
  const seen = new Map<string, string>();
  for (const d of domains) {
    for (const f of d.facts) {
      const other = seen.get(f.id);
      if (other) {
        throw new Error(`Fact "${f.id}" is decided twice, by ${other} and by ${f.policy}: a fact has one authority policy. Move the field into one policy.`);
      }
      seen.set(f.id, f.policy);
      facts.push(factOf(d.domain, f, platforms));
    }
  }

  const locations: Record<string, MapLocation> = {};
  const index = (fact: string, platform: string, role: MapLocation['role'], location?: string) => {
    if (!location) return;
    for (const key of locationKeys(location)) locations[key] = { fact, platform, role, location };
  };
  for (const f of facts) {
    index(f.id, f.answers.origin.authority, 'authority', f.answers.origin.authorityLocation);
    for (const c of f.answers.copies.copies) index(f.id, c.platform, 'copy', c.location);
  }

  const mapPlatforms: MapPlatform[] = [...platforms.values()].map((p) => ({
    id: p.name,
    title: p.title,
    kind: p.kind,
    role: p.role,
    ...(p.connection ? { connection: p.connection } : {}),
    authorityFor: facts.filter((f) => f.answers.origin.authority === p.name).map((f) => f.id),
    copyOf: facts.filter((f) => f.answers.copies.copies.some((c) => c.platform === p.name)).map((f) => f.id),
  }));
  const mapDomains: MapDomain[] = domains.map((d) => ({
    id: d.domain,
    governedBy: d.governedBy,
    ...(d.description ? { description: d.description } : {}),
    facts: d.facts.map((f) => f.id),
    platforms: d.platforms.map((p) => p.name),
  }));
  return { formatVersion: AUTHORITY_MAP_FORMAT_VERSION, organization, domains: mapDomains, platforms: mapPlatforms, facts, locations };
}

function factOf(domain: string, f: OwnershipFact, platforms: ReadonlyMap<string, OwnershipPlatform>): MapFact {
  const dot = f.id.indexOf('.');
  const copies: MapCopy[] = f.copies.map((c) => {
    const nature = platforms.get(c.platform)?.role === 'consumer' ? 'consumer' : 'projection';
    const connection = platforms.get(c.platform)?.connection;
    const strength = connection ? Contract.protectionStrength(connection, c.edits === 'local_override') : undefined;
    const requiredStrength = f.requiredStrength ?? 'manual';
    return {
      platform: c.platform,
      ...(c.location ? { location: c.location } : {}),
      edits: c.edits,
      mayEdit: c.edits === 'local_override',
      nature,
      fedFrom: c.fedFrom,
      protected: c.protected,
      ...(strength ? { strength } : {}),
      requiredStrength,
      ...(c.reason !== undefined ? { reason: c.reason } : {}),
      ...(c.expires ? { expires: c.expires } : {}),
      says: copyWords(c, nature, platforms, { strength, requiredStrength }),
    };
  });
  const correction = f.correction ?? { platform: f.authority.platform };
  const correctionLocation = correction.platform === f.authority.platform ? f.authority.location
    : f.copies.find((c) => c.platform === correction.platform)?.location;
  return {
    id: f.id,
    concept: f.id.slice(0, dot),
    field: f.id.slice(dot + 1),
    domain,
    ...(f.description ? { description: f.description } : {}),
    policy: f.policy,
    answers: {
      origin: {
        ...(f.origin ? { origin: f.origin } : {}),
        authority: f.authority.platform,
        ...(f.authority.location ? { authorityLocation: f.authority.location } : {}),
        governedBy: f.governedBy,
        says: originWords(f, platforms),
      },
      correction: {
        platform: correction.platform,
        ...(correctionLocation ? { location: correctionLocation } : {}),
        ...(f.correction?.how ? { how: f.correction.how } : {}),
        ...(f.correction?.runbook ? { runbook: f.correction.runbook } : {}),
        ...(f.correction?.contact ? { contact: f.correction.contact } : {}),
        hint: f.correctionHint,
        says: correctionWords(f, platforms),
      },
      copies: { copies, says: copiesWords(f, platforms) },
      divergence: {
        propagation: f.propagation,
        direction: directionOf(f),
        ...(f.maxLag ? { maxLag: f.maxLag } : {}),
        rule: f.divergence,
        says: divergenceWords(f, platforms),
      },
    },
  };
}

const INDEX = new WeakMap<AuthorityMap, Map<string, MapFact>>();

/** The map's facts by id (built once per map): lookups stay constant-time in a large organization. */
export function factsById(map: AuthorityMap): ReadonlyMap<string, MapFact> {
  let index = INDEX.get(map);
  if (!index) INDEX.set(map, index = new Map(map.facts.map((f) => [f.id, f])));
  return index;
}
