/**
 * authority_field_protection: a copy's fields are write-protected on the platform that holds the
 * copy. People and integrations are refused with the correction hint; only the sync principal
 * writes. One resource per (platform, table, key), the unit a reviewer reads.
 *
 * A protection whose platform is its own authority has the role "authority": nothing is guarded
 * there. Keeping it lets an ownership transfer be an in-place change of `authority` on each
 * platform (the new copy is guarded, the old one released) that the constructs can order, instead
 * of a create and a destroy that terraform would run in any order.
 */
import { FieldLocation, FieldProtection, PlatformAdapter, ProtectionReadBack, sameSet } from '../platforms/adapter';
import { PlatformUnreachableError } from '../platforms/errors';
import {
  BlockSchema, Diagnostic, DiagnosticError, ObjectValue, ResourceDefinition, UNKNOWN, Value, hasUnknown, isUnknown,
} from '../framework';
import { Platforms } from '../platforms/configured';
import { nameCheck } from './config-checks';
import { joinId, splitId } from './import-id';
import { Contract, Strength, expiryInstant, isStrength, meetsStrength, strengthOf } from '../../constructs/src/contract';
import { overrideEnds, overrideWarnings } from './override-messages';
import { ownershipChanges } from './protection-messages';

export const FIELD_PROTECTION_TYPE = Contract.FIELD_PROTECTION_TYPE;

const schema: BlockSchema = {
  description:
    'Write-protects the fields of a copy: on the copy\'s platform only the sync principal may change them, and anyone else ' +
    'is refused with the correction hint, which says which system is the authority and where to correct the value.',
  attributes: {
    id: { type: 'string', computed: true, description: 'platform/schema/table/key, each part URL-encoded. Also the import id.' },
    platform: { type: 'string', required: true, description: 'The platform that holds the copy, by its name in the provider configuration.' },
    schema: { type: 'string', optional: true, computed: true, description: 'Schema (namespace) of the table. Default "public".' },
    table: { type: 'string', required: true, description: 'Table that holds the copied fields.' },
    columns: { type: ['list', 'string'], required: true, description: 'The copied fields (columns) that only the sync may write.' },
    authority: { type: 'string', required: true, description: 'The authoritative platform for these fields, by name. When it is `platform` itself, the role is "authority" and nothing is guarded there. Changing it updates the protection in place.' },
    key: { type: 'string', optional: true, computed: true, description: 'What tells two protections on one table apart (the policy\'s name); names the guard. Default: the authority.' },
    role: { type: 'string', computed: true, description: '"copy" (people are refused, the sync writes) or "authority" (people edit here; nothing is guarded).' },
    fact: { type: 'string', optional: true, description: 'The business fact these columns hold, e.g. "campaign.name": how plans and warnings name it. Default: table.columns.' },
    sync_principal: { type: 'string', required: true, description: 'The role the sync writes as: the only principal allowed to change the fields here.' },
    correction_hint: { type: 'string', required: true, description: 'Where and how a person corrects a wrong value; the platform shows it when it refuses an edit.' },
    enforced: { type: 'bool', computed: true, description: 'True when the protection is in place and intact; false when someone disabled or altered it by hand (drift).' },
    guard: { type: 'string', computed: true, description: 'The platform\'s own name for the mechanism (on PostgreSQL, the trigger and its function).' },
    override_reason: {
      type: 'string', optional: true,
      description: 'People may override the fields on this copy, for this reason (Copy.localOverride): each override is recorded with ' +
        'who, when, the old and new value and this reason; the sync keeps an overridden value. Default: none, people are refused.',
    },
    override_expires: {
      type: 'string', optional: true,
      description: 'When the local override ends: a date (YYYY-MM-DD, the end of that day in UTC) or an RFC 3339 timestamp. From then ' +
        'the platform refuses new overrides and reverts overridden values to the authority\'s (see the README for when). Default: never.',
    },
    strength: { type: 'string', computed: true, description: 'How strongly the platform holds this protection: "enforced", "advisory" (its UI only) or "manual" (a person keeps to it).' },
    required_strength: {
      type: 'string', optional: true,
      description: 'The weakest strength the policy accepts ("enforced", "advisory" or "manual"): plan refuses a platform that cannot provide it. Default: any.',
    },
    hint_shown: { type: 'bool', computed: true, description: 'True when the platform shows people who the authority is and where to correct the value (on PostgreSQL, each protected column\'s comment and the authority_catalog.facts view); false when someone edited or removed that by hand (drift).' },
  },
};

/** Attributes whose change moves the protection to another place: terraform replaces it. */
const IDENTITY = ['platform', 'schema', 'table', 'key'] as const;

export function fieldProtectionId(platform: string, namespace: string, table: string, key: string): string {
  return joinId(platform, namespace, table, key);
}

const roleOf = (s: ObjectValue) => (s.platform === s.authority ? 'authority' : 'copy');

export function fieldProtection(platforms: Platforms): ResourceDefinition {
  const adapterFor = (state: ObjectValue) => platforms.get(state.platform as string, ['platform']);

  return {
    typeName: FIELD_PROTECTION_TYPE,
    version: 0,
    schema,

    validate(config) {
      return validateConfig(config);
    },

    async plan({ prior, proposed }) {
      if (!proposed) return { planned: null, diagnostics: prior ? ownershipChanges(prior, null) : [] };
      const planned: ObjectValue = { ...proposed, schema: proposed.schema ?? 'public', key: proposed.key ?? proposed.authority, enforced: true, hint_shown: true, strength: UNKNOWN };
      const known = IDENTITY.every((k) => !isUnknown(planned[k]));
      planned.id = known ? idOf(planned) : UNKNOWN;
      planned.role = isUnknown(planned.platform) || isUnknown(planned.authority) ? UNKNOWN : roleOf(planned);
      planned.guard = UNKNOWN;
      let diagnostics: Diagnostic[] = [];
      if (known) {
        const adapter = adapterFor(planned);
        planned.guard = adapter.mechanismName(locationOf(planned), planned.key as string, typeof planned.override_reason === 'string');
        if (!isUnknown(planned.override_reason)) {
          planned.strength = strengthOf(adapter.kind, typeof planned.override_reason === 'string');
          const refused = strengthRefusals(planned, adapter.kind);
          if (refused.length) return { planned, diagnostics: refused };
        }
        if (!hasUnknown(planned)) {
          const found = await onPlatform(adapter, () => adapter.checkProtection(protectionOf(planned)));
          // The authority's own table needs no sync principal: nothing is guarded there.
          diagnostics = planned.role === 'authority' ? found.filter((d) => d.attribute?.[0] !== 'sync_principal') : found;
          if (!prior) diagnostics.push(...await nameTaken(adapter, planned));
          if (planned.role === 'copy') diagnostics.push(...await overrideReport(adapter, prior, planned));
        }
      }
      return {
        planned,
        requiresReplace: prior ? IDENTITY.map((k) => [k]) : [],
        diagnostics: [...diagnostics, ...(prior ? ownershipChanges(prior, planned) : [])],
      };
    },

    async apply({ prior, planned }) {
      if (!planned) {
        if (prior) {
          const adapter = adapterFor(prior);
          await onPlatform(adapter, () => adapter.removeProtection(locationOf(prior), prior.key as string));
        }
        return { state: null };
      }
      const adapter = adapterFor(planned);
      const p = protectionOf(planned);
      // Guard a copy (create or replace, atomically); release the authority's own table.
      // A new protection checks again, under the install's lock, that its guard name is not another's.
      const admit = prior ? undefined : (found: ProtectionReadBack | null) => nameTakenBy(planned, found);
      await onPlatform(adapter, () => (planned.role !== 'authority' ? adapter.applyProtection(p, admit)
        : adapter.releaseProtection ? adapter.releaseProtection(p) : adapter.removeProtection(p.location, p.key)));
      return { state: { ...planned, enforced: true, strength: strengthOf(adapter.kind, typeof planned.override_reason === 'string') } };
    },

    async read(state) {
      const adapter = adapterFor(state);
      const key = (state.key as string | null) ?? (state.authority as string);
      const found = await onPlatform(adapter, () => adapter.readProtection(locationOf(state), key));
      if (state.role === 'authority') {
        // Nothing is guarded on the authority: a guard found there was left or added by hand.
        return { state: { ...state, key, enforced: found === null } };
      }
      if (!found) return { state: null };
      return {
        state: {
          ...state,
          id: idOf({ ...state, key }),
          key,
          authority: found.authority,
          role: roleOf({ ...state, authority: found.authority }),
          columns: found.fields,
          sync_principal: found.syncPrincipal,
          correction_hint: found.correctionHint,
          fact: found.fact ?? null,
          enforced: found.enforced,
          guard: found.mechanism,
          override_reason: found.override?.reason ?? null,
          override_expires: sameExpiry(state.override_expires, found.override?.expiresAt) ? state.override_expires ?? null : found.override?.expiresAt ?? null,
          strength: strengthOf(adapter.kind, found.override !== undefined),
          hint_shown: adapter.hintShown ? await onPlatform(adapter, () => adapter.hintShown!(found)) : true,
        },
      };
    },

    async import(id) {
      const parts = splitId(id, ['platform', 'schema', 'table', 'key'], 'ops/public/campaigns/campaigns_campaign_naming');
      const [platform, ns, table, key] = parts;
      return {
        state: {
          id: fieldProtectionId(platform, ns, table, key),
          platform, schema: ns, table, key, authority: null, role: 'copy',
          columns: null, sync_principal: null, correction_hint: null, enforced: null, guard: null, fact: null, hint_shown: null,
          override_reason: null, override_expires: null, strength: null, required_strength: null,
        },
      };
    },
  };
}

/**
 * A protection being created whose guard exists already: adopted when it records the same
 * declaration (an apply killed after installing it), refused when it records another (another
 * policy or stack, or made by hand), which this one would silently replace.
 */
async function nameTaken(adapter: PlatformAdapter, planned: ObjectValue): Promise<Diagnostic[]> {
  const p = protectionOf(planned);
  const found = await onPlatform(adapter, () => adapter.readProtection(p.location, p.key));
  const refusal = nameTakenBy(planned, found);
  return refusal ? [refusal] : [];
}

/** The refusal when `found`, the guard under the planned protection's key, records another declaration. */
export function nameTakenBy(planned: ObjectValue, found: ProtectionReadBack | null): Diagnostic | undefined {
  if (!found) return undefined;
  const p = protectionOf(planned);
  const same = planned.role === 'copy' && found.key === p.key && found.authority === p.authority &&
    (found.fact ?? '') === (p.fact ?? '') && sameSet(found.fields, p.fields);
  return same ? undefined : guardNameTaken(planned, found);
}

/** The guard a new protection would take over belongs to another declaration. */
export function guardNameTaken(planned: ObjectValue, found: ProtectionReadBack): Diagnostic {
  const p = protectionOf(planned);
  const theirs = found.fact ? `fact ${found.fact}` : `columns ${found.fields.join(', ')}`;
  const id = fieldProtectionId(planned.platform as string, p.location.namespace, p.location.container, found.key);
  return {
    severity: 'error',
    summary: `Guard ${found.mechanism} on ${String(planned.platform)} ${p.location.namespace}.${p.location.container} exists already, for ${theirs} owned by ${found.authority}`,
    detail: `Another protection (another policy or stack) or a person installed it; this one, ` +
      `${planned.role === 'copy' ? `for ${p.fact ?? p.fields.join(', ')} owned by ${p.authority}, would replace it` : 'on the authority\'s own table, would remove it'}. ` +
      `If it is this protection's, import it (terraform import <address> ${id}); otherwise give this protection another key.`,
    attribute: ['key'],
  };
}

function idOf(s: ObjectValue): string {
  return fieldProtectionId(s.platform as string, s.schema as string, s.table as string, s.key as string);
}

function locationOf(s: ObjectValue): FieldLocation {
  return { namespace: (s.schema as string | null) ?? 'public', container: s.table as string };
}

function protectionOf(s: ObjectValue): FieldProtection {
  return {
    location: locationOf(s),
    key: (s.key as string | null) ?? (s.authority as string),
    authority: s.authority as string,
    fields: s.columns as string[],
    syncPrincipal: s.sync_principal as string,
    correctionHint: s.correction_hint as string,
    fact: (s.fact as string | null) ?? undefined,
    override: typeof s.override_reason === 'string' && s.role !== 'authority'
      ? { reason: s.override_reason, expiresAt: typeof s.override_expires === 'string' ? expiryInstant(s.override_expires)?.toISOString() : undefined }
      : undefined,
  };
}

/** Whether the configured expiry (text) and the one read back (ISO) are the same instant. */
function sameExpiry(configured: Value, found: string | undefined): boolean {
  const at = typeof configured === 'string' ? expiryInstant(configured)?.toISOString() : undefined;
  return at === found;
}

/**
 * A protection the platform cannot hold as strongly as the policy requires, or a local override on
 * a kind with no override mechanism (people would be refused, or nothing recorded): refused at plan.
 */
export function strengthRefusals(planned: ObjectValue, kind: string): Diagnostic[] {
  const override = typeof planned.override_reason === 'string';
  const found = strengthOf(kind, override);
  const what = override ? 'a local override' : 'a protection';
  const refusals: Diagnostic[] = [];
  if (override && found !== 'enforced') {
    refusals.push({
      severity: 'error',
      summary: `Platform "${String(planned.platform)}" (${kind}) cannot enforce a local override`,
      detail: `On ${kind} the provider can only refuse people's edits or leave the copy alone; it cannot record overrides or keep them from the sync. ` +
        'Make the copy read-only there, or leave it out of the protections and record overrides by hand (a manual step).',
      attribute: ['override_reason'],
    });
  }
  const required = planned.required_strength;
  if (isStrength(required) && !meetsStrength(found as Strength, required)) {
    refusals.push({
      severity: 'error',
      summary: `Platform "${String(planned.platform)}" (${kind}) holds ${what} as "${found}", and the policy requires "${required}"`,
      detail: `Protect the copy on a platform that enforces it, or relax the policy's requirement.`,
      attribute: ['required_strength'],
    });
  }
  return refusals;
}

/** The plan's warnings about a local override: values overridden now, the expiry ahead or passed, the override ending. */
async function overrideReport(adapter: PlatformAdapter, prior: ObjectValue | null, planned: ObjectValue): Promise<Diagnostic[]> {
  const wasOverride = typeof prior?.override_reason === 'string';
  const isOverride = typeof planned.override_reason === 'string';
  if (!wasOverride && !isOverride) return [];
  const found = await onPlatform(adapter, () => adapter.readProtection(locationOf(planned), planned.key as string));
  const values = found?.overridden ?? [];
  const fact = (typeof planned.fact === 'string' && planned.fact) || `${String(planned.table)}.${(planned.columns as string[]).join(', ')}`;
  const where = `${String(planned.platform)} ${String(planned.schema)}.${String(planned.table)}`;
  const authority = String(planned.authority);
  if (!isOverride) return [overrideEnds(fact, where, authority, values.length)];
  return overrideWarnings({
    fact, where, authority, reason: planned.override_reason as string, values, now: new Date(),
    expiresAt: protectionOf(planned).override?.expiresAt,
  });
}

/** Runs a platform call; an unreachable platform or a refusal becomes a diagnostic, not a trace. */
async function onPlatform<T>(adapter: PlatformAdapter, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof DiagnosticError) throw e;
    if (e instanceof PlatformUnreachableError) {
      throw new DiagnosticError({ severity: 'error', summary: `Platform "${adapter.name}" is unreachable`, detail: e.message, attribute: ['platform'] });
    }
    const err = e as Error & { hint?: string; code?: string };
    const waited = adapter.adviceFor?.(e);
    throw new DiagnosticError({
      severity: 'error',
      summary: `Platform "${adapter.name}" refused the change`,
      detail: `${err.message}${err.hint ? ` (hint: ${err.hint})` : ''}. Nothing was changed: the platform rolled the step back. ` +
        (waited ?? 'The provider\'s database user must own the table (or be a superuser) to install the protection.'),
    });
  }
}

function validateConfig(config: ObjectValue): Diagnostic[] {
  const diags: Diagnostic[] = [];
  const text = nameCheck(diags, 'protect something else');
  text('platform', config.platform, ['platform']);
  text('schema', config.schema, ['schema']);
  text('table', config.table, ['table']);
  text('authority', config.authority, ['authority']);
  text('key', config.key, ['key']);
  text('sync_principal', config.sync_principal, ['sync_principal']);
  text('correction_hint', config.correction_hint, ['correction_hint']);
  text('fact', config.fact, ['fact']);
  text('override_reason', config.override_reason, ['override_reason']);
  if (typeof config.override_expires === 'string') {
    if (typeof config.override_reason !== 'string' && !isUnknown(config.override_reason)) {
      diags.push({ severity: 'error', summary: 'override_expires needs override_reason', detail: 'An expiry belongs to a local override: give its reason too, or drop the expiry.', attribute: ['override_expires'] });
    } else if (!expiryInstant(config.override_expires)) {
      diags.push({
        severity: 'error', summary: `override_expires "${config.override_expires}" is neither a date nor a timestamp`,
        detail: 'Write a date, YYYY-MM-DD (the override ends at the end of that day in UTC), or an RFC 3339 timestamp with a zone, e.g. 2026-05-01T12:00:00Z.',
        attribute: ['override_expires'],
      });
    }
  }
  if (config.required_strength !== null && config.required_strength !== undefined && !isUnknown(config.required_strength) && !isStrength(config.required_strength)) {
    diags.push({
      severity: 'error', summary: `required_strength must be one of ${Contract.strengths().join(', ')}`,
      detail: `Got ${JSON.stringify(config.required_strength)}.`, attribute: ['required_strength'],
    });
  }
  const columns = config.columns;
  if (Array.isArray(columns)) {
    if (columns.length === 0) {
      diags.push({ severity: 'error', summary: 'columns must name at least one column', detail: 'A protection with no columns protects nothing: remove it or list the copied fields.', attribute: ['columns'] });
    }
    const seen = new Set<Value>();
    columns.forEach((c, i) => {
      text('column', c, ['columns', i]);
      if (typeof c === 'string' && seen.has(c)) {
        diags.push({ severity: 'error', summary: `Column "${c}" is listed twice`, attribute: ['columns', i] });
      }
      seen.add(c);
    });
  }
  return diags;
}
