/**
 * The authority map as OpenLineage static lineage: one JobEvent per sync route (source platform
 * -> copy table), whose output dataset carries the ColumnLineageDatasetFacet (each copied column
 * from its source column, DIRECT/IDENTITY) and the OwnershipDatasetFacet (the governing team and
 * the authority). Spec 2-0-2; facets ColumnLineageDatasetFacet 1-2-0, OwnershipDatasetFacet 1-0-1.
 */
import type { AuthorityMap, MapFact } from './map-types';
import { splitLocation } from './odcs';

export const OPENLINEAGE_PRODUCER = 'https://authority.example.com/map';
const SPEC = 'https://openlineage.io/spec/2-0-2/OpenLineage.json';
const COLUMN_LINEAGE = 'https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet';
const OWNERSHIP = 'https://openlineage.io/spec/facets/1-0-1/OwnershipDatasetFacet.json#/$defs/OwnershipDatasetFacet';

/** The OpenLineage namespace of a platform's datasets. */
export const namespaceOf = (platform: string) => `authority://${platform}`;

interface Flow { readonly fact: MapFact; readonly from: string; readonly to: string }

/** Where `fact` lives on `platform` (the authority's location or a copy's). */
function locationOn(fact: MapFact, platform: string): string | undefined {
  if (fact.answers.origin.authority === platform) return fact.answers.origin.authorityLocation;
  return fact.answers.copies.copies.find((c) => c.platform === platform)?.location;
}

export function mapOpenLineage(map: AuthorityMap, eventTime = new Date().toISOString()) {
  // One route per (source, copy table): its columns may carry several facts.
  const routes = new Map<string, Flow[]>();
  for (const fact of map.facts) {
    for (const c of fact.answers.copies.copies) {
      const from = locationOn(fact, c.fedFrom);
      if (!c.location || !from) continue;
      const to = splitLocation(c.location);
      const key = `${c.fedFrom}->${c.platform}:${to.schema}.${to.table}`;
      routes.set(key, [...(routes.get(key) ?? []), { fact, from, to: c.location }]);
    }
  }
  return [...routes].map(([key, flows]) => {
    const to = splitLocation(flows[0].to);
    const sources = [...new Set(flows.map((f) => { const s = splitLocation(f.from); return `${s.platform}|${s.schema}.${s.table}`; }))];
    const teams = [...new Set(flows.map((f) => f.fact.answers.origin.governedBy))];
    const authorities = [...new Set(flows.map((f) => f.fact.answers.origin.authority))];
    return {
      eventTime,
      producer: OPENLINEAGE_PRODUCER,
      schemaURL: `${SPEC}#/$defs/JobEvent`,
      job: { namespace: 'authority', name: `sync-route:${key}` },
      inputs: sources.map((s) => { const [platform, name] = s.split('|'); return { namespace: namespaceOf(platform), name }; }),
      outputs: [{
        namespace: namespaceOf(to.platform),
        name: `${to.schema}.${to.table}`,
        facets: {
          columnLineage: {
            _producer: OPENLINEAGE_PRODUCER,
            _schemaURL: COLUMN_LINEAGE,
            fields: Object.fromEntries(flows.map((f) => {
              const s = splitLocation(f.from);
              const d = f.fact.answers.divergence;
              return [splitLocation(f.to).column, {
                inputFields: [{
                  namespace: namespaceOf(s.platform),
                  name: `${s.schema}.${s.table}`,
                  field: s.column,
                  transformations: [{
                    type: 'DIRECT',
                    subtype: 'IDENTITY',
                    description: `${f.fact.id}: ${d.propagation} sync${d.maxLag ? `, at most ${d.maxLag} behind` : ''}; ${d.rule} when values differ`,
                    masking: false,
                  }],
                }],
              }];
            })),
          },
          ownership: {
            _producer: OPENLINEAGE_PRODUCER,
            _schemaURL: OWNERSHIP,
            owners: [
              ...teams.map((t) => ({ name: `team:${t}`, type: 'GOVERNED_BY' })),
              ...authorities.map((a) => ({ name: `application:${a}`, type: 'AUTHORITY' })),
            ],
          },
        },
      }],
    };
  });
}
