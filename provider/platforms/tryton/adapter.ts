/**
 * The Tryton adapter: a FieldProtection on a Tryton platform is the protection of protection.ts
 * on the model `location.container` (e.g. "party.party"). Tryton has no schemas, so
 * `location.namespace` must be "public", the default: any other is refused in plan, naming the
 * `schema` attribute. Tryton's answers become the neutral errors of ../errors.ts (errors-of.ts);
 * the password is never part of one.
 */
import { Diagnostic, DiagnosticError } from '../../framework';
import { FieldLocation, FieldProtection, PlatformAdapter, ProtectionReadBack } from '../adapter';
import { PlatformRefusedError } from '../errors';
import { TrytonClient } from './client';
import { classifyTrytonError } from './errors-of';
import { fieldNameProblem, modelNameProblem } from './names';
import { applyProtection, checkProtection, readProtection, removeProtection } from './protection';
import { TrytonProtection } from './protection-model';

/** The only namespace a Tryton model is in. */
export const TRYTON_NAMESPACE = 'public';

export interface TrytonSettings {
  readonly url: string;
  readonly database: string;
  readonly user: string;
  readonly password: string;
  readonly timeoutMs: number;
  /** The people's groups that lose write of protected fields; default everyone but the sync's group. */
  readonly editorGroups?: readonly string[];
}

export class TrytonAdapter implements PlatformAdapter {
  public readonly kind = 'tryton';
  private readonly client: TrytonClient;

  public constructor(public readonly name: string, private readonly settings: TrytonSettings) {
    this.client = new TrytonClient({ url: settings.url, database: settings.database, login: settings.user, password: settings.password, timeoutMs: settings.timeoutMs });
  }

  public mechanismName(location: FieldLocation, key: string): string {
    return trytonMechanismName(location.container, key);
  }

  public async checkProtection(p: FieldProtection): Promise<Diagnostic[]> {
    const placement = placementProblems(p.location, p.fields);
    if (placement.length > 0) return placement;
    const problems = await this.call(() => checkProtection(this.client, this.toTryton(p)));
    return problems.map((x) => ({
      severity: x.severity,
      summary: `${x.summary}, on platform "${this.name}" (Tryton at ${this.settings.url}, database ${JSON.stringify(this.settings.database)})`,
      detail: x.detail,
      ...(x.attribute ? { attribute: [x.attribute] } : {}),
    }));
  }

  public async readProtection(location: FieldLocation, key: string): Promise<ProtectionReadBack | null> {
    if (placementProblems(location, []).length > 0) return null;
    const found = await this.call(() => readProtection(this.client, location.container, key));
    if (!found) return null;
    const d = found.declared;
    return {
      location, key: d.key, authority: d.authority, fields: [...d.fields], syncPrincipal: d.syncPrincipal,
      correctionHint: d.correctionHint, fact: d.fact === '' ? undefined : d.fact, enforced: found.enforced,
      mechanism: this.mechanismName(location, d.key),
    };
  }

  public async applyProtection(p: FieldProtection): Promise<void> {
    const placement = placementProblems(p.location, p.fields);
    if (placement.length > 0) throw new DiagnosticError(placement[0]);
    await this.call(() => applyProtection(this.client, this.toTryton(p)));
  }

  public async removeProtection(location: FieldLocation, key: string): Promise<void> {
    if (placementProblems(location, []).length > 0) return; // nothing can have been applied there
    await this.call(() => removeProtection(this.client, location.container, key));
  }

  public adviceFor(e: unknown): string | undefined {
    return e instanceof PlatformRefusedError ? e.advice : undefined;
  }

  public async close(): Promise<void> {
    // Plain HTTP requests: nothing stays open between them.
  }

  private toTryton(p: FieldProtection): TrytonProtection {
    return {
      model: p.location.container, key: p.key, fields: [...p.fields], authority: p.authority, syncPrincipal: p.syncPrincipal,
      correctionHint: p.correctionHint, fact: p.fact ?? '',
      ...(this.settings.editorGroups ? { editorGroups: [...this.settings.editorGroups] } : {}),
    };
  }

  private async call<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (e) {
      throw classifyTrytonError(this.name, this.settings.url, this.settings.database, e);
    }
  }
}

/** The protection's name as plans and state show it (the `guard` attribute). */
export function trytonMechanismName(model: string, key: string): string {
  return `Tryton field access rules and help on ${JSON.stringify(model)} (protection ${JSON.stringify(key)})`;
}

/** Whether a location and fields can be a Tryton model's: in "public", named as Tryton names them. */
export function placementProblems(location: FieldLocation, fields: readonly string[]): Diagnostic[] {
  if (location.namespace !== TRYTON_NAMESPACE) {
    return [{
      severity: 'error',
      summary: `Tryton has no schema ${JSON.stringify(location.namespace)}: a model is named without one`,
      detail: `Leave schema unset (it defaults to "${TRYTON_NAMESPACE}") and name the model in table, e.g. "party.party".`,
      attribute: ['schema'],
    }];
  }
  const model = modelNameProblem(location.container);
  if (model) return [{ severity: 'error', ...model, attribute: ['table'] }];
  return fields.map(fieldNameProblem).filter((x) => x !== undefined).map((x) => ({ severity: 'error' as const, ...x!, attribute: ['columns'] }));
}
