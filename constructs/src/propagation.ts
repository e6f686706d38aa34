import { Duration } from './duration';
import { Platform } from './platform';
import { checkInstance, checkList, checkObject, checkString } from './prop-checks';

export enum PropagationKind {
  /** From the authority out to its copies. */
  ONE_WAY = 'one_way',
  /** Both ways, only with an explicit field split or divergence rule. */
  TWO_WAY = 'two_way',
  /** Copies are a cache or projection computed from the authority. */
  DERIVED = 'derived',
  /** Copies only report on the data; nothing writes back. */
  REPORT_ONLY = 'report_only',
}

/** Which fields one side of a two-way sync controls. */
export interface FieldSplit {
  readonly platform: Platform;
  readonly fields: string[];
}

export interface OneWayOptions {
  /** How far a copy may lag behind the authority. */
  readonly maxLag: Duration;
}

export interface TwoWayOptions {
  /** How far either side may lag. */
  readonly maxLag: Duration;
  /**
   * Which fields each side controls. Without one, both sides write every field: the policy needs
   * Divergence.NEWEST_WINS and exactly one copy (the most recent write wins on both; see the README).
   * @default no split: a divergence rule must decide
   */
  readonly split?: FieldSplit[];
}

export interface DerivedOptions {
  /** How often the projection is rebuilt. @default on every change */
  readonly refreshEvery?: Duration;
}

/** Which way values flow between the authority and its copies, and how fast. */
export class Propagation {
  public static oneWay(options: OneWayOptions): Propagation {
    checkLagOptions('Propagation.oneWay', options, false);
    return new Propagation(PropagationKind.ONE_WAY, options.maxLag);
  }

  public static twoWay(options: TwoWayOptions): Propagation {
    checkLagOptions('Propagation.twoWay', options, false);
    checkList('Propagation.twoWay', 'split', options.split, 'field splits ({ platform, fields })', (prop, side) => {
      checkObject('Propagation.twoWay', prop, side, false);
      const s = side as Record<string, unknown>;
      checkInstance('Propagation.twoWay', `${prop}.platform`, s.platform, (x): x is Platform => x instanceof Platform, 'a Platform',
        'the Platform object (new Platform({ name, kind, ... })), not its name');
      checkList('Propagation.twoWay', `${prop}.fields`, s.fields, 'field names', (p, v) => checkString('Propagation.twoWay', p, v));
    }, true);
    return new Propagation(PropagationKind.TWO_WAY, options.maxLag, options.split ?? []);
  }

  public static derived(options: DerivedOptions = {}): Propagation {
    checkObject('Propagation.derived', 'options', options, true);
    checkInstance('Propagation.derived', 'refreshEvery', options?.refreshEvery, Duration.isDuration, 'a Duration',
      'Duration.minutes(5) or another Duration', true);
    return new Propagation(PropagationKind.DERIVED, options.refreshEvery);
  }

  public static reportOnly(): Propagation {
    return new Propagation(PropagationKind.REPORT_ONLY);
  }

  private constructor(
    public readonly kind: PropagationKind,
    public readonly maxLag?: Duration,
    public readonly split: FieldSplit[] = [],
  ) {}

  public toString(): string {
    return this.maxLag ? `${this.kind} (max lag ${this.maxLag})` : this.kind;
  }
}

/** The options of oneWay / twoWay as given at runtime: an object with a Duration maxLag. */
function checkLagOptions(factory: string, options: unknown, optional: boolean): void {
  checkObject(factory, 'options', options, optional);
  checkInstance(factory, 'maxLag', (options as { maxLag?: unknown }).maxLag, Duration.isDuration, 'a Duration',
    'Duration.minutes(5), Duration.seconds(90) or another Duration (not a number or a text)');
}

/** What wins when a copy and the authority disagree. The values are the synthesized rules (contract.ts). */
export enum Divergence {
  AUTHORITY_WINS = 'authority_wins',
  /** The authority wins unless its value is blank. */
  AUTHORITY_UNLESS_BLANK = 'authority_unless_blank',
  /** The newest write wins: only when declared. */
  NEWEST_WINS = 'newest_wins',
  /** A person decides; the sync holds the field until then. */
  MANUAL_REVIEW = 'manual_review',
}
