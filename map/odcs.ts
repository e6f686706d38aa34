/**
 * The authority map as Open Data Contract Standard v3.1.0 documents, one per domain: the
 * governing team, who may edit where (roles), each located field with its correction path as an
 * authoritative definition of the custom type "correctionPath", and the ownership facts as
 * customProperties (ODCS has no field for where to correct a value; this is ours).
 */
import { factsById } from './build';
import type { AuthorityMap, MapDomain, MapFact } from './map-types';

export const ODCS_API_VERSION = 'v3.1.0';
/** The authoritativeDefinitions type that carries a fact's correction path. */
export const CORRECTION_PATH_TYPE = 'correctionPath';

interface Column { readonly platform: string; readonly schema: string; readonly table: string; readonly column: string; readonly fact: MapFact; readonly role: 'authority' | 'copy' }

/** "crm:public.campaigns.name" -> its parts. */
export function splitLocation(location: string): { platform: string; schema: string; table: string; column: string } {
  const [platform, rest] = location.split(':');
  const [schema, table, column] = rest.split('.');
  return { platform, schema, table, column };
}

const prop = (property: string, value: unknown) => ({ property, value });

function correctionDefinition(f: MapFact) {
  const c = f.answers.correction;
  return {
    type: CORRECTION_PATH_TYPE,
    url: c.runbook ?? `authority:${c.location ?? c.platform}`,
    description: c.says,
  };
}

function columnsOf(map: AuthorityMap, d: MapDomain): Column[] {
  const out: Column[] = [];
  for (const id of d.facts) {
    const f = factsById(map).get(id)!;
    const a = f.answers;
    if (a.origin.authorityLocation) out.push({ ...splitLocation(a.origin.authorityLocation), fact: f, role: 'authority' });
    for (const c of a.copies.copies) if (c.location) out.push({ ...splitLocation(c.location), fact: f, role: 'copy' });
  }
  return out;
}

function propertyOf(c: Column) {
  const a = c.fact.answers;
  const copy = a.copies.copies.find((k) => k.platform === c.platform);
  return {
    name: c.column,
    physicalName: c.column,
    ...(c.fact.description ? { description: c.fact.description } : {}),
    authoritativeDefinitions: [correctionDefinition(c.fact)],
    customProperties: [
      prop('fact', c.fact.id),
      prop('holds', c.role),
      prop('authority', a.origin.authority),
      prop('governedBy', a.origin.governedBy),
      ...(copy ? [prop('allowedEdits', copy.edits), prop('copyNature', copy.nature), prop('fedFrom', copy.fedFrom), prop('protected', copy.protected)] : []),
      prop('propagation', a.divergence.propagation),
      ...(a.divergence.maxLag ? [prop('maxLag', a.divergence.maxLag)] : []),
      prop('divergence', a.divergence.rule),
      prop('divergenceInWords', a.divergence.says),
    ],
  };
}

export function domainContract(map: AuthorityMap, d: MapDomain, version = '1.0.0') {
  const columns = columnsOf(map, d);
  const tables = new Map<string, Column[]>();
  for (const c of columns) {
    const key = `${c.platform}:${c.schema}.${c.table}`;
    tables.set(key, [...(tables.get(key) ?? []), c]);
  }
  const facts = d.facts.map((id) => factsById(map).get(id)!);
  const roles = map.platforms.filter((p) => d.platforms.includes(p.id)).map((p) => {
    const owns = facts.filter((f) => f.answers.origin.authority === p.id).map((f) => f.id);
    const overrides = facts.filter((f) => f.answers.copies.copies.some((c) => c.platform === p.id && c.mayEdit)).map((f) => f.id);
    const writable = [...owns, ...overrides];
    return {
      role: `${p.id}-editors`,
      access: writable.length ? 'read-write' : 'read',
      description: writable.length
        ? `People editing in ${p.title} (${p.id}) may change ${writable.join(', ')}${overrides.length ? ` (local overrides: ${overrides.join(', ')})` : ''}; everything else of this domain is a copy there.`
        : `In ${p.title} (${p.id}) this domain's facts are copies: read them, correct them where they are owned.`,
      firstLevelApprovers: d.governedBy,
    };
  });
  return {
    apiVersion: ODCS_API_VERSION,
    kind: 'DataContract',
    id: `authority-${d.id}`,
    name: d.id,
    version,
    status: 'active',
    domain: d.id,
    ...(d.description ? { description: { purpose: d.description } } : {}),
    team: { name: d.governedBy, description: `Governs the ${d.id} domain: ${d.facts.join(', ')}.` },
    roles,
    schema: [...tables].map(([key, cols]) => ({
      name: key.replace(':', '.'),
      physicalName: `${cols[0].schema}.${cols[0].table}`,
      physicalType: 'table',
      logicalType: 'object',
      description: `${cols[0].table} on platform ${cols[0].platform}`,
      properties: cols.map(propertyOf),
    })),
    authoritativeDefinitions: facts.map((f) => ({ ...correctionDefinition(f), id: `correct-${f.id.replace(/[^A-Za-z0-9_-]/g, '-')}` })),
    customProperties: [
      prop('authorityMapFormatVersion', map.formatVersion),
      prop('governedFacts', d.facts),
      prop('platforms', d.platforms),
    ],
  };
}

/** One ODCS document per domain, keyed by the domain's id. */
export function mapOdcs(map: AuthorityMap): Record<string, ReturnType<typeof domainContract>> {
  return Object.fromEntries(map.domains.map((d) => [d.id, domainContract(map, d)]));
}
