/**
 * The Directus adapter: a FieldProtection on a Directus platform is the protection core of
 * protection.ts on the collection `location.container`. Directus has no schemas (it serves the
 * tables of one database schema), so `location.namespace` must be "public", the default: any
 * other is refused in plan, naming the `schema` attribute. Directus's answers become the neutral
 * errors of ../errors.ts (errors-of.ts); the token is never part of one.
 */
import { Diagnostic, DiagnosticError } from '../../framework';
import { FieldLocation, FieldProtection, PlatformAdapter, ProtectionReadBack } from '../adapter';
import { PlatformRefusedError } from '../errors';
import { DirectusClient } from './client';
import { classifyDirectusError } from './errors-of';
import { collectionNameProblem } from './names';
import { applyProtection, checkProtection, readProtection, removeProtection } from './protection';
import { DirectusProtection } from './protection-model';

/** The only namespace a Directus collection is in. */
export const DIRECTUS_NAMESPACE = 'public';

export interface DirectusSettings {
  readonly url: string;
  readonly token: string;
  readonly timeoutMs: number;
  /** The people's policies that lose update of protected fields; default every non-admin one but the sync's. */
  readonly editorPolicies?: readonly string[];
}

export class DirectusAdapter implements PlatformAdapter {
  public readonly kind = 'directus';
  private readonly client: DirectusClient;

  public constructor(public readonly name: string, private readonly settings: DirectusSettings) {
    this.client = new DirectusClient({ url: settings.url, token: settings.token, timeoutMs: settings.timeoutMs });
  }

  public mechanismName(location: FieldLocation, key: string): string {
    return directusMechanismName(location.container, key);
  }

  public async checkProtection(p: FieldProtection): Promise<Diagnostic[]> {
    const placement = placementProblems(p.location);
    if (placement.length > 0) return placement;
    const problems = await this.call(() => checkProtection(this.client, this.toDirectus(p)));
    return problems.map((x) => ({
      severity: x.severity,
      summary: `${x.summary}, on platform "${this.name}" (Directus at ${this.settings.url})`,
      detail: x.detail,
      ...(x.attribute ? { attribute: [x.attribute] } : {}),
    }));
  }

  public async readProtection(location: FieldLocation, key: string): Promise<ProtectionReadBack | null> {
    if (placementProblems(location).length > 0) return null;
    const people = { ...(this.settings.editorPolicies ? { editorPolicies: [...this.settings.editorPolicies] } : {}) };
    const found = await this.call(() => readProtection(this.client, location.container, key, people));
    if (!found) return null;
    const d = found.declared;
    return {
      location, key: d.key, authority: d.authority, fields: [...d.fields], syncPrincipal: d.syncPrincipal,
      correctionHint: d.correctionHint, fact: d.fact === '' ? undefined : d.fact, enforced: found.enforced,
      mechanism: this.mechanismName(location, d.key),
    };
  }

  public async applyProtection(p: FieldProtection): Promise<void> {
    const placement = placementProblems(p.location);
    if (placement.length > 0) throw new DiagnosticError(placement[0]);
    await this.call(() => applyProtection(this.client, this.toDirectus(p)));
  }

  public async removeProtection(location: FieldLocation, key: string): Promise<void> {
    if (placementProblems(location).length > 0) return; // nothing can have been applied there
    await this.call(() => removeProtection(this.client, location.container, key));
  }

  public adviceFor(e: unknown): string | undefined {
    return e instanceof PlatformRefusedError ? e.advice : undefined;
  }

  public async close(): Promise<void> {
    // Plain HTTP requests: nothing stays open between them.
  }

  private toDirectus(p: FieldProtection): DirectusProtection {
    return {
      collection: p.location.container, key: p.key, fields: [...p.fields], authority: p.authority, syncPrincipal: p.syncPrincipal,
      correctionHint: p.correctionHint, fact: p.fact ?? '',
      ...(this.settings.editorPolicies ? { editorPolicies: [...this.settings.editorPolicies] } : {}),
    };
  }

  private async call<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (e) {
      throw classifyDirectusError(this.name, this.settings.url, e);
    }
  }
}

/** The protection's name as plans and state show it (the `guard` attribute). */
export function directusMechanismName(collection: string, key: string): string {
  return `Directus permissions and field notes on ${JSON.stringify(collection)} (protection ${JSON.stringify(key)})`;
}

/** Whether a location can be a Directus collection: in "public", with a name Directus serves. */
export function placementProblems(location: FieldLocation): Diagnostic[] {
  if (location.namespace !== DIRECTUS_NAMESPACE) {
    return [{
      severity: 'error',
      summary: `Directus has no schema ${JSON.stringify(location.namespace)}: a collection is named without one`,
      detail: `Leave schema unset (it defaults to "${DIRECTUS_NAMESPACE}") and name the collection in table, e.g. "${location.container}".`,
      attribute: ['schema'],
    }];
  }
  const problem = collectionNameProblem(location.container);
  return problem ? [{ severity: 'error', ...problem, attribute: ['table'] }] : [];
}
