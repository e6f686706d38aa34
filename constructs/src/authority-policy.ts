import { Annotations, Aspects, IAspect } from 'cdktf';
import { IConstruct } from 'constructs';
import { Construct } from 'constructs';
import { Concept, ConceptField } from './concept';
import { Contract } from './contract';
import { Copy, ProtectionStrength } from './copy';
import { CorrectionPath } from './correction-path';
import { Domain } from './domain';
import { AUTHORITY_POLICY, isMarked, mark } from './markers';
import { Duration } from './duration';
import { guardKey as keyOfPath, ProtectionSpec } from './guard-key';
import { keyColumnProtection } from './key-protection';
import { FieldProtection } from './l1/field-protection';
import { SyncRoute } from './l1/sync-route';
import { Platform } from './platform';
import { checkPolicyProps } from './policy-props';
import { checkStrength, holderConflicts } from './policy-holders';
import { Divergence, Propagation, PropagationKind } from './propagation';
import { RouteMapping, fieldRoute, mappingClash, mappingProps, routeId } from './route-mapping';
import { bothWaysCopy } from './two-way';

export interface AuthorityPolicyProps {
  /** The concept whose fields this policy governs. */
  readonly concept: Concept;
  /**
   * The fields governed, by name: field-level authority.
   * @default every field of the concept that no field-level policy governs (a record-level default)
   */
  readonly fields?: string[];
  /** The platform the workflow trusts for these fields without asking permission. */
  readonly authority: Platform;
  /** Where the data is created. @default not declared (the rule pack asks for it) */
  readonly origin?: Platform;
  /** The team that governs the process behind these fields. @default the domain's team */
  readonly governedBy?: string;
  /** Platforms that hold copies, and what people may do to them there. @default no copies */
  readonly copies?: Copy[];
  /** Which way values flow and how fast. @default one-way from the authority, max lag 15 minutes */
  readonly propagation?: Propagation;
  /**
   * What wins when a copy and the authority disagree. Write it out where two platforms may write
   * the fields (a local override, a two-way sync without a split): the rule pack does not take
   * the default as a decision there.
   * @default AUTHORITY_WINS
   */
  readonly divergence?: Divergence;
  /** Where an operator corrects a wrong value. @default not declared (the rule pack asks for it) */
  readonly correction?: CorrectionPath;
  /**
   * The weakest enforcement the policy accepts on its copies' platforms: with ENFORCED, synth (and
   * plan) refuse a copy on a platform that only advises or leaves it to a person.
   * @default ProtectionStrength.MANUAL (any platform)
   */
  readonly requiredStrength?: ProtectionStrength;
}

/**
 * The authority decision for some fields of a concept: who owns them, who holds copies and what
 * people may do there, which way values flow, what wins on divergence, and where to correct.
 * Synthesizes one field protection per copy table, so a reviewer reads one resource per
 * (copy, table) rather than one per column.
 */
export class AuthorityPolicy extends Construct {
  public static isAuthorityPolicy(x: unknown): x is AuthorityPolicy {
    return isMarked<AuthorityPolicy>(x, AUTHORITY_POLICY);
  }

  public readonly concept: Concept;
  /** Whether the policy is the concept's record-level default (no `fields` given). */
  public readonly recordLevel: boolean;
  public readonly authority: Platform;
  public readonly origin?: Platform;
  public readonly governedBy: string;
  public readonly copies: Copy[];
  public readonly propagation: Propagation;
  public readonly divergence: Divergence;
  /**
   * Whether `divergence` was written in the policy rather than left to its default. The rule pack
   * accepts two writers of one field (a local override, a two-way sync without a split) only when
   * someone decided what wins.
   */
  public readonly divergenceDeclared: boolean;
  public readonly correction?: CorrectionPath;
  /** The weakest enforcement the policy accepts on its copies' platforms. */
  public readonly requiredStrength: ProtectionStrength;
  /** The protections enforcing this policy, one per holder table (made at synth). */
  public readonly protections: FieldProtection[] = [];
  /** The sync routes that carry values from each field's owner (or declared feed) to its copies (made at synth). */
  public readonly routes: SyncRoute[] = [];
  private readonly declaredFields?: ConceptField[];
  private planned?: Map<string, PlannedRoute>;

  constructor(scope: Construct, id: string, props: AuthorityPolicyProps) {
    super(scope, id);
    mark(this, AUTHORITY_POLICY);
    const domain = Domain.enclosing(this);
    checkPolicyProps(this.node.path, props);
    this.concept = props.concept;
    this.recordLevel = props.fields === undefined;
    this.declaredFields = props.fields?.map((f) => props.concept.field(f));
    if ((this.declaredFields ?? props.concept.fields).length === 0) {
      throw new Error(`${this.node.path}: the policy governs no fields. Name them in "fields", or declare fields on ${props.concept.node.path}.`);
    }
    policiesOf(this.concept).push(this);
    this.authority = props.authority;
    this.origin = props.origin;
    this.governedBy = props.governedBy ?? domain.governedBy;
    this.copies = props.copies ?? [];
    this.propagation = props.propagation ?? Propagation.oneWay({ maxLag: Duration.seconds(Contract.DEFAULT_MAX_LAG_SECONDS) });
    this.divergence = props.divergence ?? (Contract.DEFAULT_DIVERGENCE as Divergence);
    this.divergenceDeclared = props.divergence !== undefined;
    this.correction = props.correction;
    this.requiredStrength = checkStrength(this.node.path, props.requiredStrength, this.copies);

    for (const p of [this.authority, ...this.copies.map((c) => c.platform)]) domain.usePlatform(p);
    // The resources wait for synth: a record-level default's fields are known only once every
    // field-level policy of its concept exists.
    Aspects.of(this).add(new MaterializePolicy(this));
  }

  /**
   * The fields this policy governs: the named ones, or for a record-level default every field of
   * the concept that no field-level policy governs (those are its field-level overrides).
   */
  public get fields(): ConceptField[] {
    if (this.declaredFields) return this.declaredFields;
    const overridden = new Set(policiesOf(this.concept).filter((p) => !p.recordLevel).flatMap((p) => p.fields));
    return this.concept.fields.filter((f) => !overridden.has(f));
  }

  /**
   * @internal Makes the protections and routes; called once, at synth. A policy whose holders
   * contradict each other (see holderConflicts) makes none: its resources would have no sound
   * shape, and the rule pack reports each mistake.
   */
  public _materialize(): void {
    if (this.protections.length || this.routes.length || holderConflicts(this.authority, this.copies)) return;
    this.protectCopies();
    this.routeCopies();
  }

  /** Who controls a field: the side of a two-way split that claims it, else the authority. */
  public ownerOf(field: ConceptField): Platform {
    return this.propagation.split.find((side) => side.fields.includes(field.name))?.platform ?? this.authority;
  }

  /** What a person reads when a copy refuses their edit: who owns the fact, and where to fix it. */
  public get correctionHint(): string {
    return this.hintFor(this.authority, this.fields);
  }

  private hintFor(owner: Platform, fields: ConceptField[]): string {
    const names = fields.map((f) => f.toString()).join(', ');
    const owned = `${names} ${fields.length > 1 ? 'are' : 'is'} owned by ${owner.title} (${owner.name}).`;
    const where = this.correction && this.correction.platform === owner ? this.correction.describe() : `Correct it in ${owner.title}.`;
    return `${owned} ${where}`;
  }

  /**
   * One protection per (holder, table, owner) for every platform that holds the fields: a copy's
   * is guarded; the owner's own table gets one with the role "authority" (nothing guarded). So a
   * change of authority is an in-place update on each platform, and the owner's protection waits
   * for the copies' (depends_on): during a transfer the new copy is guarded before the old one is
   * released, so people never may edit both.
   */
  private protectCopies(): void {
    const specs = this._protectionSpecs();
    const guarded = specs.filter((s) => !s.owned).map((s) => new FieldProtection(this, s.id, s.config));
    const owned = specs.filter((s) => s.owned).map((s) => new FieldProtection(this, s.id, { ...s.config, dependsOn: guarded }));
    this.protections.push(...guarded, ...owned);
  }

  /**
   * @internal What protectCopies makes, without making it: one spec per (holder, table, owner).
   * The rule pack reads them across the whole app (guard-collision) before any stack is
   * materialized. None for a policy whose holders contradict each other.
   */
  public _protectionSpecs(): ProtectionSpec[] {
    if (holderConflicts(this.authority, this.copies)) return [];
    const declared: { platform: Platform; syncPrincipal: string; override?: Copy }[] = [
      { platform: this.authority, syncPrincipal: this.authority.syncPrincipal },
      ...this.copies.filter((c) => c.isProtected || c.strength === ProtectionStrength.ENFORCED)
        .map((c) => ({ platform: c.platform, syncPrincipal: c.syncPrincipal, override: c.isProtected ? undefined : c })),
    ];
    for (const c of this.copies.filter((x) => !x.isProtected && x.strength !== ProtectionStrength.ENFORCED && x.platform.connection)) {
      Annotations.of(this).addWarning(`${this.node.path}: the local override on ${c.platform.name} is a manual step: ` +
        `${c.platform.connection!.providerKind} platforms cannot record overrides or keep them from the sync, so the copy there is left unprotected.`);
    }
    // An application platform with a storage database is protected in both layers: its own
    // permissions and a guard on the table under it (same location), from this one policy.
    // An override the application cannot hold is held in its storage only (people edit in the application as usual).
    const holders = declared.flatMap((h) => [
      ...(h.override?.overrideInStorage ? [] : [{ ...h, locatedOn: h.platform }]),
      ...(h.platform.storagePlatform ? [{ ...h, platform: h.platform.storagePlatform, locatedOn: h.platform }] : []),
    ]);
    const specs: ProtectionSpec[] = [];
    // A two-way sync of the same fields (NEWEST_WINS): each side owns its table; nothing is guarded.
    const bothWays = !!bothWaysCopy(this);
    for (const holder of holders.filter((h) => h.platform.connection)) {
      const groups = new Map<string, { owner: Platform; schema: string; table: string; fields: ConceptField[]; columns: string[] }>();
      for (const field of this.fields) {
        const owner = bothWays ? holder.locatedOn : this.ownerOf(field);
        const at = field.locationOn(holder.locatedOn);
        // On a storage database the field sits under the storage's name (Tryton's party.party is party_party).
        const loc = at && holder.platform !== holder.locatedOn ? at._onSyncEndpoint() : at;
        if (!loc) continue; // the rule pack reports it (copy-location-missing, authority-location-missing)
        const key = `${owner.name}/${loc.schemaName}.${loc.container}`;
        const group = groups.get(key) ?? { owner, schema: loc.schemaName, table: loc.container, fields: [], columns: [] };
        group.fields.push(field);
        group.columns.push(loc.field);
        groups.set(key, group);
      }
      for (const g of groups.values()) {
        const split = g.owner === this.authority ? [] : ['from', g.owner.name];
        const id = [holder.platform.name, ...(g.schema === 'public' ? [] : [g.schema]), g.table, ...split].join('-');
        const spec: ProtectionSpec = {
          id,
          owned: g.owner === holder.locatedOn,
          config: {
            platform: holder.platform.name,
            schema: g.schema,
            table: g.table,
            columns: g.columns,
            authority: g.owner.syncEndpoint === holder.platform ? holder.platform.name : g.owner.name,
            key: this.guardKey(split),
            fact: g.fields.map((f) => f.toString()).join(', '),
            syncPrincipal: holder.syncPrincipal,
            correctionHint: this.hintFor(g.owner, g.fields),
            ...(holder.override && !bothWays ? { overrideReason: holder.override.reason, overrideExpires: holder.override.expires || undefined } : {}),
            ...(this.requiredStrength !== ProtectionStrength.MANUAL && holder.locatedOn !== g.owner ? { requiredStrength: this.requiredStrength } : {}),
          },
        };
        specs.push(spec);
        const key = spec.owned || holder.override ? undefined : keyColumnProtection(this.concept.recordKey, holder.platform, holder.locatedOn, g);
        if (key) specs.push({ id: `${id}-key`, owned: false, config: { ...spec.config, ...key, key: this.guardKey([...split, 'key']) } });
      }
    }
    return specs;
  }

  /**
   * One sync route per (source, copy, table): from the field's owner, or the copy's declared
   * feed, to each copy. A route between the same two platforms keeps its address when the
   * direction flips (a transfer), so the provider reverses it in place and the sync never runs
   * both ways at once. Routes wait for the protections, so the guards move first. Each route is
   * keyed by the policy, like its protections: other policies may route other columns of the same
   * table between the same platforms, and the provider keeps each route's columns apart.
   *
   * When another policy of the model routes other fields of the same table the other way (field
   * -level authority split between two platforms, e.g. accounts.owner CRM -> ERP and
   * accounts.billing_state ERP -> CRM), the model declares a two-way split by field, and both
   * routes say so (two_way): the provider refuses an undeclared reverse route. The rule pack
   * refuses a loop on one field.
   */
  private routeCopies(): void {
    const twoWay = this.propagation.kind === PropagationKind.TWO_WAY;
    const reverses = routeIndex(this.node.root);
    for (const r of this._plannedRoutes().values()) {
      const pair = twoWay ? [r.source.name, 'to', r.copy.name] : [r.source.name, r.copy.name].sort();
      const id = routeId(pair, r.schema, r.table, r.mapping);
      const splitByField = (reverses.get(routeAddress(r.copy, r.source, r.schema, r.table)) ?? []).some((p) => p !== this);
      this.routes.push(new SyncRoute(this, id, {
        authority: r.source.name,
        copy: r.copy.name,
        schema: r.schema,
        table: r.table,
        columns: r.columns,
        key: this.guardKey([]),
        twoWay: twoWay || splitByField || undefined,
        divergence: this.divergence,
        maxLag: this.propagation.maxLag?.toString(),
        ...mappingProps(r.mapping),
        dependsOn: this.protections,
      }));
    }
  }

  /** @internal The routes this policy makes, by routeAddress; computed once (other policies' routes ask too). */
  public _plannedRoutes(): Map<string, PlannedRoute> {
    if (this.planned) return this.planned;
    const routes = new Map<string, PlannedRoute>();
    this.planned = routes;
    // Without a split, only NEWEST_WINS with one copy says which write stands: routes both ways on every field.
    const both = bothWaysCopy(this);
    if (this.propagation.kind === PropagationKind.TWO_WAY && this.propagation.split.length === 0 && !both) {
      Annotations.of(this).addWarning(
        `${this.node.path}: a two-way sync without a split is not configured on the platforms: each field needs one sender. ` +
          'Declare a split, or divergence NEWEST_WINS with one copy.',
      );
      return routes;
    }
    const twoWay = this.propagation.kind === PropagationKind.TWO_WAY;
    const receivers: { platform: Platform; feed?: Platform }[] = both
      ? [{ platform: both.platform, feed: this.authority }, { platform: this.authority, feed: both.platform }]
      : [
        ...this.copies.map((c) => ({ platform: c.platform, feed: c.feedsFrom })),
        ...(twoWay ? [{ platform: this.authority, feed: undefined }] : []),
      ];
    for (const receiver of receivers) {
      for (const field of this.fields) {
        const source = receiver.feed ?? this.ownerOf(field);
        // Routes run between the platforms' storage where they have one (a CMS's database).
        const [sender, copy] = [source.syncEndpoint, receiver.platform.syncEndpoint];
        if (source === receiver.platform || !sender.connection || !copy.connection) continue;
        if (!sender.connection.canSyncTo(copy.connection)) {
          Annotations.of(this).addWarning(
            `${this.node.path}: ${field} is not synced from ${source.name} to ${receiver.platform.name}: no sync route carries values from a ` +
              `${sender.connection.providerKind} platform to a ${copy.connection.providerKind} one. Give it its storage database ` +
              `(e.g. PlatformConnection.directus({ ..., storage })) or sync them with their own integration; the copy stays protected.`,
          );
          continue;
        }
        const from = field.locationOn(source)?._onSyncEndpoint();
        const to = field.locationOn(receiver.platform)?._onSyncEndpoint();
        if (!from || !to) continue; // the rule pack reports missing locations
        const shape = fieldRoute(from, to, this.concept.recordKey);
        const key = routeAddress(sender, copy, from.schemaName, from.container);
        const route = routes.get(key) ?? {
          source: sender, copy, schema: from.schemaName, table: from.container, columns: [],
          mapping: shape.mapping && { ...shape.mapping, columns: [] },
        };
        const problem = shape.problem ?? mappingClash(route.mapping, shape);
        if (problem) {
          Annotations.of(this).addWarning(`${this.node.path}: ${field} is not synced from ${from} to ${to}: ${problem}.`);
          continue;
        }
        route.columns.push(from.field);
        route.mapping?.columns.push(shape.mapping!.column);
        routes.set(key, route);
      }
    }
    return routes;
  }

  /** Stable across a change of authority: the policy's path, e.g. "campaigns_campaign_naming". */
  private guardKey(suffix: string[]): string {
    // Readable path plus a digest of the exact path (guard-key.ts): "campaigns_campaign_naming_786a2f9a".
    return keyOfPath([...this.node.scopes.slice(1).map((s) => s.node.id), ...suffix]);
  }
}

/**
 * A route a policy makes: values of `columns` of one table flow from `source` to `copy`, under the
 * same names or, with `mapping`, into the copy's table and columns of other names.
 */
interface PlannedRoute { source: Platform; copy: Platform; schema: string; table: string; columns: string[]; mapping?: RouteMapping & { columns: string[] } }

function routeAddress(source: Platform, copy: Platform, schema: string, table: string): string {
  return JSON.stringify([source.name, copy.name, schema, table]);
}

/** Every policy's routes in one app, by routeAddress: built once, at synth, when every policy exists. */
const routeIndexes = new WeakMap<IConstruct, Map<string, AuthorityPolicy[]>>();

function routeIndex(root: IConstruct): Map<string, AuthorityPolicy[]> {
  let index = routeIndexes.get(root);
  if (!index) {
    index = new Map();
    for (const policy of root.node.findAll().filter(AuthorityPolicy.isAuthorityPolicy)) {
      for (const address of policy._plannedRoutes().keys()) index.set(address, [...(index.get(address) ?? []), policy]);
    }
    routeIndexes.set(root, index);
  }
  return index;
}

/** The policies of each concept, so a record-level default can leave its overrides out. */
const conceptPolicies = new WeakMap<Concept, AuthorityPolicy[]>();

function policiesOf(concept: Concept): AuthorityPolicy[] {
  let list = conceptPolicies.get(concept);
  if (!list) conceptPolicies.set(concept, (list = []));
  return list;
}

/** Makes a policy's resources when cdktf synthesizes its stack, after every policy exists. */
class MaterializePolicy implements IAspect {
  constructor(private readonly policy: AuthorityPolicy) {}

  public visit(node: IConstruct): void {
    if (node === this.policy) this.policy._materialize();
  }
}
