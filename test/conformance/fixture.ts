/**
 * What a platform kind hands the conformance suite (suite.ts): a real server of its kind, a
 * container with fields to protect, a person and the sync principal who edit there, the kind's own
 * ways of undoing a protection by hand, and a snapshot of everything a protection may touch. The
 * suite itself speaks only the neutral PlatformAdapter interface and the provider's resources.
 */
import { ObjectValue } from '../../provider/framework';
import { FieldLocation, FieldProtection, PlatformAdapter } from '../../provider/platforms/adapter';
import { KINDS } from '../../provider/platforms/index';

/** One way a person with rights on the platform can undo a protection by hand. */
export interface HandEdit {
  /** How the test is named: what the person did. */
  readonly label: string;
  /** Does it to the protection `p`, as applied. */
  undo(p: FieldProtection): Promise<void>;
  /**
   * True when a person's edit goes through afterwards (the protection no longer stops them); false
   * when the edit leaves the protection working but altered (another owner, a changed setting).
   */
  readonly opens: boolean;
}

/** A real server of the kind, with a container ready to protect. */
export interface KindServer {
  /** The platform's name in the provider configuration. */
  readonly platform: string;
  /** The settings of the kind's provider block (`platform { name = ... <kind> { <settings> } }`), secrets by reference. */
  readonly settings: ObjectValue;
  /** What terraform's environment needs for those settings (a password variable), if anything. */
  readonly env?: NodeJS.ProcessEnv;
  /** The container with fields to protect, holding at least one record a person may edit. */
  readonly location: FieldLocation;
  /** At least three fields of it, protectable: the suite protects the first two and adds the third. */
  readonly fields: readonly [string, string, string, ...string[]];
  /** The principal the sync writes as. */
  readonly syncPrincipal: string;
  /**
   * A person changes `field` of a record in `location` to a new value: the platform's refusal
   * (its message, with any hint it gives) or undefined when the change went through.
   */
  personEdits(location: FieldLocation, field: string): Promise<string | undefined>;
  /** The sync principal changes `field` of a record: the refusal, or undefined when it went through. */
  syncWrites(location: FieldLocation, field: string): Promise<string | undefined>;
  /**
   * Everything a protection may touch on the platform (mechanisms, permissions, settings,
   * notes), for "remove leaves it exactly as found". Must differ while a protection is in place.
   */
  snapshot(): Promise<unknown>;
  /**
   * Creates a container named `name` whose one field is also named `name` (both as the platform
   * holds them), with a record a person may edit; returns where it is. Left out by a kind whose
   * containers and fields come from the platform's code (Tryton's models): the hostile names are
   * then the key, authority, fact and hint of a protection of `location`'s first field.
   */
  hostileContainer?(name: string): Promise<FieldLocation>;
  /**
   * Makes the platform refuse the next protection part-way through applying it (after it has
   * started changing things, where the kind can); the returned function lets it through again.
   */
  refusePartWay?(): Promise<() => Promise<void>>;
  stop(): Promise<void>;
}

export interface KindFixture {
  /** The kind's name, as registered in provider/platforms/index.ts. */
  readonly kind: string;
  start(): Promise<KindServer>;
  /** The kind's own ways of undoing a protection by hand: known before the server starts (they name tests). */
  readonly handEdits: readonly HandEdit[];
  /** Names the kind can hold as container, field, key, authority and correction hint (a subset of test/support/hostile-names.ts). */
  readonly hostileNames: readonly { readonly label: string; readonly name: string }[];
  /** Provider block settings that point at a platform of this kind where nothing answers. */
  unreachableSettings(): ObjectValue;
}

/** The adapter for `settings`, made by the kind's own configure() as the provider makes it. */
export function configureAdapter(kind: string, platform: string, settings: ObjectValue): PlatformAdapter {
  const k = KINDS.find((x) => x.name === kind);
  if (!k) throw new Error(`No platform kind "${kind}" is registered in provider/platforms/index.ts`);
  // Unset attributes arrive as null from terraform.
  const full: ObjectValue = { ...Object.fromEntries(Object.keys(k.block.attributes).map((a) => [a, null])), ...settings };
  const { adapter, diagnostics } = k.configure(platform, full, ['platform', 0, kind, 0]);
  if (!adapter) throw new Error(`The ${kind} fixture's settings do not configure: ${diagnostics.map((d) => d.summary).join('; ')}`);
  return adapter;
}
