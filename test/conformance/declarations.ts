/** The declarations the conformance suite protects with, and read-backs compared as declarations. */
import { FieldProtection, ProtectionReadBack } from '../../provider/platforms/adapter';
import { KindServer } from './fixture';

/** A protection of `location` owned by `authority`, whose refusal text names the authority and the key. */
export function declaration(server: KindServer, key: string, over: Partial<FieldProtection> = {}): FieldProtection {
  const authority = over.authority ?? 'crm';
  return {
    location: server.location, key, authority, fields: server.fields.slice(0, 2), syncPrincipal: server.syncPrincipal,
    correctionHint: `Owned by ${authority}: correct it there (protection ${key}).`, fact: 'item.title', ...over,
  };
}

/** A read-back as the declaration it reconstructs: fields as a set, the platform's own words left out. */
export function asDeclared(found: ProtectionReadBack | null): FieldProtection | null {
  if (!found) return null;
  const { enforced: _enforced, mechanism: _mechanism, ...declared } = found;
  return { ...declared, fields: [...declared.fields].sort() };
}

export const sorted = (p: FieldProtection): FieldProtection => ({ ...p, fields: [...p.fields].sort() });
