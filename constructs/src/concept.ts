import { Construct } from 'constructs';
import { CONCEPT, mark } from './markers';
import { FieldLocation, Platform } from './platform';
import { checkInstance, checkObject, checkString } from './prop-checks';
import { RecordKey, RecordKeyProps } from './record-key';

export interface ConceptProps {
  /** What the concept means to the business. @default none */
  readonly description?: string;
}

/** One field of a concept and where it physically lives on each platform that holds it. */
export class ConceptField {
  private declaredOrigin?: Platform;

  constructor(
    public readonly concept: Concept,
    public readonly name: string,
    public readonly locations: FieldLocation[],
  ) {}

  /**
   * Declares where this field's value is created (the seeds' "where does this fact originate"),
   * e.g. `campaign.addField('name', crm.at('campaigns.name')).originatesIn(crm)`. The rule pack
   * compares it with the origin of the policy that governs the field.
   * @returns this field, for chaining
   */
  public originatesIn(platform: Platform): ConceptField {
    checkInstance(`${this.concept.node.path}: ${this}.originatesIn`, 'platform', platform, (x): x is Platform => x instanceof Platform,
      'a Platform', 'the Platform object (new Platform({ name, kind, ... })), not its name');
    if (this.declaredOrigin && this.declaredOrigin !== platform) {
      throw new Error(
        `${this.concept.node.path}: ${this} already originates in "${this.declaredOrigin.name}"; ` +
          `a field is created in one place. Remove one of the originatesIn() calls.`,
      );
    }
    this.declaredOrigin = platform;
    return this;
  }

  /** Where this field's value is created, if declared with `originatesIn`. */
  public get origin(): Platform | undefined {
    return this.declaredOrigin;
  }

  /** Where this field lives on `platform`, if it is held there. */
  public locationOn(platform: Platform): FieldLocation | undefined {
    return this.locations.find((l) => l.platform === platform);
  }

  /** The platforms that hold this field. */
  public get platforms(): Platform[] {
    return this.locations.map((l) => l.platform);
  }

  /** e.g. "campaign.name": how plans and messages name the fact. */
  public toString(): string {
    return `${this.concept.conceptName}.${this.name}`;
  }
}

/** A business concept (Campaign, Account, Order, Ticket ...) whose fields live on several platforms. */
export class Concept extends Construct {
  /** The concept's name in messages: the construct id, lowercased. */
  public readonly conceptName: string;
  public readonly description?: string;
  private readonly byName = new Map<string, ConceptField>();
  private declaredKey?: RecordKey;

  constructor(scope: Construct, id: string, props: ConceptProps = {}) {
    super(scope, id);
    mark(this, CONCEPT);
    checkObject(this.node.path, 'props', props, false);
    checkString(this.node.path, 'description', props.description, { optional: true, blankAllowed: true });
    this.conceptName = id.toLowerCase();
    this.description = props.description;
  }

  /** Declares a field and its location on each platform that holds it, e.g. `crm.at('campaigns.name')`. */
  public addField(name: string, ...locations: FieldLocation[]): ConceptField {
    checkString(`${this.node.path}: addField`, 'name', name);
    locations.forEach((l, i) => checkInstance(`${this.node.path}: addField("${name}")`, `location ${i + 1}`, l,
      (x): x is FieldLocation => x instanceof FieldLocation, 'a FieldLocation', 'platform.at("table.column")'));
    if (this.byName.has(name)) {
      throw new Error(`${this.node.path}: field "${name}" is declared twice.`);
    }
    const seen = new Set<Platform>();
    for (const l of locations) {
      if (seen.has(l.platform)) {
        throw new Error(`${this.node.path}: field "${name}" has two locations on platform "${l.platform.name}"; a field lives in one place per platform.`);
      }
      seen.add(l.platform);
    }
    const field = new ConceptField(this, name, locations);
    this.byName.set(name, field);
    return field;
  }

  /**
   * Declares how the concept's records correspond across platforms that name them differently:
   * the key on the authority and the column holding it on each copy, e.g.
   * `campaign.keyedBy({ keys: [crm.at('campaigns.id'), ops.at('campaigns_view.crm_id')] })`.
   * Routes between platforms whose schema, table or column names differ need it.
   */
  public keyedBy(props: RecordKeyProps): RecordKey {
    const key = new RecordKey(`${this.node.path}: keyedBy`, props);
    if (this.declaredKey) throw new Error(`${this.node.path}: keyedBy is declared twice; a concept's records correspond one way. Declare every platform's key in one call.`);
    this.declaredKey = key;
    return key;
  }

  /** How the concept's records correspond across platforms, if declared with `keyedBy`. */
  public get recordKey(): RecordKey | undefined {
    return this.declaredKey;
  }

  /** A declared field, by name. */
  public field(name: string): ConceptField {
    checkString(`${this.node.path}: field`, 'name', name);
    const f = this.byName.get(name);
    if (!f) {
      throw new Error(`${this.node.path}: no field "${name}". Declared fields: ${[...this.byName.keys()].join(', ') || 'none'}.`);
    }
    return f;
  }

  public get fields(): ConceptField[] {
    return [...this.byName.values()];
  }
}
