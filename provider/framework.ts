/**
 * The contract between the tfplugin6 transport (`protocol/`) and the provider's own logic.
 *
 * The transport turns wire values (MessagePack DynamicValues) into plain JavaScript values
 * shaped by the schema below, and back. Resources never see protobuf or msgpack.
 *
 * Value conventions:
 * - an object holds every attribute and nested block of its schema; null means null;
 * - `UNKNOWN` stands for a value not known until apply (msgpack ext type 0 on the wire);
 * - numbers are JS numbers, bools are booleans, lists/sets are arrays, maps are plain objects;
 * - a nested block with nesting `list`/`set` is an array of objects, `single` is an object or null.
 */

/** A value that Terraform will only know after apply. */
export const UNKNOWN: unique symbol = Symbol.for('authority.unknown');
export type Unknown = typeof UNKNOWN;

export function isUnknown(v: unknown): v is Unknown {
  return v === UNKNOWN;
}

/** Whether a value, or anything in it (list elements, object attributes), is not known until apply. */
export function hasUnknown(v: Value): boolean {
  if (isUnknown(v)) return true;
  if (Array.isArray(v)) return v.some(hasUnknown);
  if (v !== null && typeof v === 'object') return Object.values(v).some(hasUnknown);
  return false;
}

export type Value = null | Unknown | string | number | boolean | Value[] | { [key: string]: Value };
export type ObjectValue = { [key: string]: Value };

/** A Terraform type constraint, as used in a schema attribute. */
export type AttributeType =
  | 'string'
  | 'number'
  | 'bool'
  | ['list', AttributeType]
  | ['set', AttributeType]
  | ['map', AttributeType];

export interface AttributeSchema {
  readonly type: AttributeType;
  readonly description: string;
  readonly required?: boolean;
  readonly optional?: boolean;
  readonly computed?: boolean;
  readonly sensitive?: boolean;
}

export interface NestedBlockSchema {
  readonly nesting: 'single' | 'list' | 'set';
  readonly block: BlockSchema;
  readonly minItems?: number;
  readonly maxItems?: number;
}

export interface BlockSchema {
  readonly description: string;
  readonly attributes: { readonly [name: string]: AttributeSchema };
  readonly blocks?: { readonly [name: string]: NestedBlockSchema };
}

/** A step of an attribute path: an attribute name (string) or a list index (number). */
export type PathStep = string | number;

export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly summary: string;
  readonly detail?: string;
  /** Which attribute the diagnostic is about; terraform underlines it in the configuration. */
  readonly attribute?: PathStep[];
}

/** Thrown by provider code to end a call with one diagnostic instead of a stack trace. */
export class DiagnosticError extends Error {
  constructor(public readonly diagnostic: Diagnostic) {
    super(diagnostic.summary + (diagnostic.detail ? `: ${diagnostic.detail}` : ''));
  }
}

/** A refusal before anything changed on the platform: a resource being created is then not created (no state). */
export class RefusedError extends DiagnosticError {}

export interface PlanRequest {
  /** Current state, or null when the resource is being created. */
  readonly prior: ObjectValue | null;
  /** Terraform's proposal: config merged with prior state for computed attributes; null on destroy. */
  readonly proposed: ObjectValue | null;
  readonly config: ObjectValue | null;
}

export interface PlanResponse {
  /** The planned new state, null when destroying. */
  readonly planned: ObjectValue | null;
  /** Attribute paths whose change forces replacement. */
  readonly requiresReplace?: PathStep[][];
  readonly diagnostics?: Diagnostic[];
}

export interface ApplyRequest {
  readonly prior: ObjectValue | null;
  /** Null on destroy. */
  readonly planned: ObjectValue | null;
  readonly config: ObjectValue | null;
}

export interface ResourceDefinition {
  /** Full Terraform type name, e.g. `authority_field_protection`. */
  readonly typeName: string;
  readonly version: number;
  readonly schema: BlockSchema;
  validate?(config: ObjectValue): Diagnostic[] | Promise<Diagnostic[]>;
  plan(req: PlanRequest): Promise<PlanResponse>;
  /** Returns the new state, or null after a destroy. */
  apply(req: ApplyRequest): Promise<{ state: ObjectValue | null; diagnostics?: Diagnostic[] }>;
  /** Returns null when the object no longer exists (terraform then plans to create it). */
  read(state: ObjectValue): Promise<{ state: ObjectValue | null; diagnostics?: Diagnostic[] }>;
  /** Turns an import id into a state that `read` can complete. */
  import?(id: string): Promise<{ state: ObjectValue | null; diagnostics?: Diagnostic[] }>;
  /** Migrate stored JSON state from `version` to the current version; default passes through. */
  upgrade?(version: number, state: ObjectValue): ObjectValue;
}

export interface ProviderDefinition {
  readonly schema: BlockSchema;
  validate?(config: ObjectValue): Diagnostic[] | Promise<Diagnostic[]>;
  configure(config: ObjectValue): Promise<Diagnostic[]>;
  readonly resources: ResourceDefinition[];
  /** Called on StopProvider (interrupt): abort work under way. */
  stop?(): Promise<void>;
  /**
   * Called when terraform is gone without a Shutdown (killed): let go of what the process holds
   * elsewhere (sessions waiting on locks, advisory locks) at once. The process exits right after,
   * whether or not this has finished.
   */
  abandon?(): Promise<void>;
}
