/**
 * What a plan checks before a guard is installed on a copy's table, beyond the table, columns and
 * sync principal: that the provider's user may install it (else apply fails half-way through a
 * plan that looked fine), and that no other guard on the table already gives these columns to
 * another authority (the field would be frozen, or owned twice). The provider is the last line of
 * defence: the constructs check one model, but other stacks and hand-made guards share the table.
 */
import { Diagnostic } from '../../framework';
import { FieldLocation, FieldProtection } from '../adapter';
import { GuardReadBack } from './guard-read';
import { guardTriggerName } from './guard-sql';
import { overrideTriggerName } from './override-sql';

/** What the guard's plan checks go by, read with the rest of the plan check (protection-read.ts). */
export interface GuardCheckFacts {
  /** How messages name the platform, e.g. `on platform "ops" (database ops at host:5432)`. */
  readonly where: string;
  /** The protection guards columns here (role copy); false on the authority's own table. */
  readonly guarded: boolean;
  /** The provider's user, the table's owner, whether the user may act as the owner and create in the table's schema. */
  readonly user: string;
  readonly owner: string | null;
  readonly owns: boolean;
  readonly creates: boolean;
  /** The table's guards and local overrides. */
  readonly owners: readonly Owner[];
}

export function guardPlanChecks(p: FieldProtection, table: GuardCheckFacts): Diagnostic[] {
  const diags: Diagnostic[] = [];
  if (table.guarded && table.owner !== null) {
    if (!table.owns) diags.push(cannotInstall(p.location, table.where, table.user, table.owner));
    else if (!table.creates) diags.push(cannotCreateFunction(p.location, table.where, table.user));
  }
  return [...diags, ...ownedTwiceBy(p, table.where, table.owners)];
}

/** What a guard or an override on the table gives to whom, as the owned-twice checks need it. */
export type Owner = Pick<GuardReadBack, 'trigger' | 'authority' | 'fact' | 'columns'>;

/** Refusals for the guards and overrides on the table (other keys') that already give these columns to another authority. */
export function ownedTwiceBy(p: FieldProtection, where: string, owners: readonly Owner[]): Diagnostic[] {
  const own = [guardTriggerName(p.key), overrideTriggerName(p.key)];
  return owners.filter((g) => !own.includes(g.trigger)).flatMap((other) => {
    const shared = other.columns.filter((c) => p.fields.includes(c));
    return shared.length && other.authority !== p.authority ? [ownedTwice(p, where, other, shared)] : [];
  });
}

function qualified(loc: FieldLocation): string {
  return `${loc.namespace}.${loc.container}`;
}

/** The provider's user is neither the table's owner, a member of the owning role, nor a superuser. */
export function cannotInstall(loc: FieldLocation, where: string, user: string, owner: string): Diagnostic {
  return {
    severity: 'error',
    summary: `The provider's user "${user}" cannot install a guard on ${qualified(loc)} ${where}`,
    detail: `A trigger on a table takes its owner ("${owner}"), a member of that role, or a superuser. Connect the platform as "${owner}", ` +
      `grant the role to the provider's user (GRANT "${owner}" TO "${user}"), or use a superuser; then plan again.`,
    attribute: ['table'],
  };
}

/** The provider's user may not create the guard's function in the table's schema. */
export function cannotCreateFunction(loc: FieldLocation, where: string, user: string): Diagnostic {
  return {
    severity: 'error',
    summary: `The provider's user "${user}" cannot create the guard's function in schema ${loc.namespace} ${where}`,
    detail: `The guard's function lives beside the table. Grant it: GRANT CREATE ON SCHEMA "${loc.namespace}" TO "${user}"; then plan again.`,
    attribute: ['schema'],
  };
}

/** Another guard on the table already gives some of these columns to another authority. */
export function ownedTwice(p: FieldProtection, where: string, other: Owner, shared: string[]): Diagnostic {
  const theirs = other.fact ? `fact ${other.fact}` : `columns ${other.columns.join(', ')}`;
  return {
    severity: 'error',
    summary: `${shared.join(', ')} on ${qualified(p.location)} ${where} is already guarded for ${other.authority} by ${other.trigger}`,
    detail: `Guard ${other.trigger} (${theirs}, owned by ${other.authority}) protects ${shared.join(', ')} there; this protection would ` +
      `give them to ${p.authority} too, so the field would be frozen or owned twice. If the fact moved to ${p.authority}, remove or ` +
      'change the other protection first (its policy or stack) and apply that; if the other guard is left over, drop it ' +
      `(DROP TRIGGER "${other.trigger}" ON ...) or import it into this configuration; otherwise protect other columns.`,
    attribute: ['columns'],
  };
}
