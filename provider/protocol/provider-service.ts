/**
 * The tfplugin6.Provider methods, mapped onto a framework.ts ProviderDefinition.
 *
 * Every method answers; failures become diagnostics, never gRPC errors
 * (Terraform shows a gRPC error as a crash-like "plugin error").
 */
import {
  type Diagnostic,
  DiagnosticError,
  type ObjectValue,
  type ProviderDefinition,
  type ResourceDefinition,
} from '../framework';
import type { Message } from './descriptors';
import { diagnosticFromError, hasErrors, toProtoDiagnostics, toProtoPath } from './diagnostics';
import * as log from './log';
import { toProtoSchema } from './schema';
import { type DynamicValue, decodeObject, encodeObject, fromRawObject } from './values';

export type UnaryMethod = (request: Message) => Promise<Message>;

// The request fields we read, per method (field names as in tfplugin6.proto).
interface TypedRequest { type_name: string }
interface ConfigRequest { type_name?: string; config?: DynamicValue }
interface UpgradeRequest extends TypedRequest { version?: number; raw_state?: { json?: Uint8Array; flatmap?: Record<string, string> } }
interface ReadRequest extends TypedRequest { current_state?: DynamicValue; private?: Uint8Array }
interface PlanRequest extends TypedRequest {
  prior_state?: DynamicValue; proposed_new_state?: DynamicValue; config?: DynamicValue; prior_private?: Uint8Array;
}
interface ApplyRequest extends TypedRequest {
  prior_state?: DynamicValue; planned_state?: DynamicValue; config?: DynamicValue; planned_private?: Uint8Array;
}
interface ImportRequest extends TypedRequest { id: string }

/**
 * plan_destroy: Terraform also calls PlanResourceChange for a destroy (with a
 * null proposed state), so resources can warn or refuse before anything is
 * deleted; the planned state of a destroy is always null.
 */
const SERVER_CAPABILITIES = { plan_destroy: true, get_provider_schema_optional: false, move_resource_state: false };

export function createProviderService(definition: ProviderDefinition): Record<string, UnaryMethod> {
  const resources = new Map(definition.resources.map((r) => [r.typeName, r]));
  let schemaResponse: Message | undefined;

  function resource(typeName: string): ResourceDefinition {
    const found = resources.get(typeName);
    if (found) return found;
    throw new DiagnosticError({
      severity: 'error',
      summary: `Unsupported resource type "${typeName}"`,
      detail: `This provider offers: ${[...resources.keys()].join(', ') || 'no resources'}.`,
    });
  }

  return {
    GetMetadata: async () => ({
      server_capabilities: SERVER_CAPABILITIES,
      resources: [...resources.keys()].map((type_name) => ({ type_name })),
      data_sources: [],
    }),

    GetProviderSchema: async () =>
      (schemaResponse ??= {
        provider: toProtoSchema(definition.schema),
        resource_schemas: Object.fromEntries(
          definition.resources.map((r) => [r.typeName, toProtoSchema(r.schema, r.version)]),
        ),
        data_source_schemas: {},
        server_capabilities: SERVER_CAPABILITIES,
      }),

    // Nothing to announce: no resource identities, no functions.
    GetResourceIdentitySchemas: async () => ({}),
    GetFunctions: async () => ({}),

    ValidateProviderConfig: guard('validating the provider configuration', async (req: ConfigRequest) => {
      const config = decodeObject(req.config, definition.schema);
      return { diagnostics: toProtoDiagnostics(await validate(definition.validate?.bind(definition), config)) };
    }),

    ValidateResourceConfig: guard('validating a resource configuration', async (req: ConfigRequest) => {
      const r = resource(req.type_name ?? '');
      const config = decodeObject(req.config, r.schema);
      return { diagnostics: toProtoDiagnostics(await validate(r.validate?.bind(r), config)) };
    }),

    ValidateDataResourceConfig: guard('validating a data source configuration', async (req: ConfigRequest) => {
      throw noDataSource(req.type_name ?? '');
    }),

    ConfigureProvider: guard('configuring the provider', async (req: ConfigRequest) => {
      const config = decodeObject(req.config, definition.schema);
      return { diagnostics: toProtoDiagnostics(await definition.configure(config ?? {})) };
    }),

    UpgradeResourceState: guard('upgrading stored state', async (req: UpgradeRequest) => {
      const r = resource(req.type_name);
      return upgrade(r, req);
    }),

    ReadResource: guard(
      'reading a resource',
      async (req: ReadRequest) => {
        const r = resource(req.type_name);
        const current = decodeObject(req.current_state, r.schema);
        if (current === null) return { new_state: req.current_state, private: req.private };
        const result = await r.read(current);
        // A null state tells Terraform the object is gone: it plans to create it again.
        return {
          new_state: encodeObject(result.state, r.schema),
          private: req.private,
          diagnostics: toProtoDiagnostics(result.diagnostics),
        };
      },
      // Keep what Terraform has, so a failed refresh does not drop the object.
      (req) => ({ new_state: req.current_state, private: req.private }),
    ),

    PlanResourceChange: guard('planning a change', async (req: PlanRequest) => {
      const r = resource(req.type_name);
      const prior = decodeObject(req.prior_state, r.schema);
      const proposed = decodeObject(req.proposed_new_state, r.schema);
      const config = decodeObject(req.config, r.schema);
      const result = await r.plan({ prior, proposed, config });
      const destroying = proposed === null;
      if (destroying && result.planned !== null) log.warn(`${r.typeName}: plan of a destroy returned a state; ignored`);
      return {
        planned_state: encodeObject(destroying ? null : result.planned, r.schema),
        requires_replace: destroying ? [] : (result.requiresReplace ?? []).map(toProtoPath),
        planned_private: req.prior_private,
        diagnostics: toProtoDiagnostics(result.diagnostics),
      };
    }),

    ApplyResourceChange: guard(
      'applying a change',
      async (req: ApplyRequest) => {
        const r = resource(req.type_name);
        const prior = decodeObject(req.prior_state, r.schema);
        const planned = decodeObject(req.planned_state, r.schema);
        const config = decodeObject(req.config, r.schema);
        const result = await r.apply({ prior, planned, config });
        return {
          new_state: encodeObject(result.state, r.schema),
          private: req.planned_private,
          diagnostics: toProtoDiagnostics(result.diagnostics),
        };
      },
      // The change failed before it could report a state: keep the prior
      // object (null for a create) so the next plan tries again.
      (req) => ({ new_state: req.prior_state, private: req.planned_private }),
    ),

    ImportResourceState: guard('importing a resource', async (req: ImportRequest) => {
      const r = resource(req.type_name);
      if (!r.import) {
        throw new DiagnosticError({
          severity: 'error',
          summary: `Resource type "${r.typeName}" cannot be imported`,
          detail: 'Declare it in the configuration and let Terraform create it.',
        });
      }
      const result = await r.import(req.id);
      const diagnostics: Diagnostic[] = [...(result.diagnostics ?? [])];
      if (result.state === null && !hasErrors(diagnostics)) {
        diagnostics.push({
          severity: 'error',
          summary: `Cannot import ${r.typeName} "${req.id}"`,
          detail: 'No object with this id exists. Check the id and try again.',
        });
      }
      return {
        imported_resources:
          result.state === null ? [] : [{ type_name: r.typeName, state: encodeObject(result.state, r.schema) }],
        diagnostics: toProtoDiagnostics(diagnostics),
      };
    }),

    MoveResourceState: guard('moving a resource', async () => {
      throw new DiagnosticError({
        severity: 'error',
        summary: 'Moving resources between types is not supported by this provider',
      });
    }),

    ReadDataSource: guard('reading a data source', async (req: TypedRequest) => {
      throw noDataSource(req.type_name);
    }),

    CallFunction: async (req) => ({ error: { text: `This provider offers no function "${String(req.name)}".` } }),

    StopProvider: async () => {
      try {
        await definition.stop?.();
        return {};
      } catch (err) {
        return { Error: err instanceof Error ? err.message : String(err) };
      }
    },
  };
}

/** Config may hold UNKNOWN values (validation runs before apply); validators must accept them. */
async function validate(
  validator: ((config: ObjectValue) => Diagnostic[] | Promise<Diagnostic[]>) | undefined,
  config: ObjectValue | null,
): Promise<Diagnostic[]> {
  return validator && config ? await validator(config) : [];
}

/**
 * Terraform hands stored state over as JSON, with the schema version it was
 * written under, and wants msgpack of the current schema back. Attributes the
 * current schema no longer has are dropped.
 */
function upgrade(r: ResourceDefinition, req: UpgradeRequest): Message {
  const version = req.version ?? 0;
  const json = req.raw_state?.json;
  if (!json || json.length === 0) {
    if (req.raw_state?.flatmap && Object.keys(req.raw_state.flatmap).length > 0) {
      throw new DiagnosticError({
        severity: 'error',
        summary: 'Unsupported state format',
        detail: 'This state was written by Terraform 0.11 or older (flatmap). Recreate the resource.',
      });
    }
    return { upgraded_state: encodeObject(null, r.schema) };
  }
  if (version > r.version) {
    throw new DiagnosticError({
      severity: 'error',
      summary: `State of ${r.typeName} is from a newer provider`,
      detail: `It has schema version ${version}; this provider knows up to ${r.version}. Upgrade the provider.`,
    });
  }
  let state = JSON.parse(Buffer.from(json).toString('utf8')) as ObjectValue;
  if (version !== r.version && r.upgrade) state = r.upgrade(version, state);
  return { upgraded_state: encodeObject(fromRawObject(state, r.schema), r.schema) };
}

function noDataSource(typeName: string): DiagnosticError {
  return new DiagnosticError({
    severity: 'error',
    summary: `Unsupported data source "${typeName}"`,
    detail: 'This provider offers no data sources.',
  });
}

/**
 * Runs a method body; a throw becomes an error diagnostic added to the
 * `fallback` answer (which keeps state Terraform must not lose).
 */
function guard<R>(
  activity: string,
  body: (req: R) => Promise<Message>,
  fallback: (req: R) => Message = () => ({}),
): UnaryMethod {
  return async (request) => {
    const req = request as R;
    const typeName = (request as { type_name?: unknown }).type_name;
    try {
      return await body(req);
    } catch (err) {
      const what = typeof typeName === 'string' && typeName ? `${activity} (${typeName})` : activity;
      return { ...fallback(req), diagnostics: toProtoDiagnostics([diagnosticFromError(err, what)]) };
    }
  };
}
