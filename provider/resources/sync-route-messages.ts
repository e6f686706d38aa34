/**
 * What a sync route's plan and apply say in words, for the reviewer: where values stop or start
 * flowing, how the running route is doing, and what a starting route does with values that
 * already differ. Warnings only: they change nothing.
 */
import { Comparison, Divergence, RouteHealth, settlesAtStart } from '../platforms/adapter';
import { Diagnostic, ObjectValue, Value } from '../framework';
import { Contract } from '../../constructs/src/contract';

export function tableOf(s: ObjectValue): string {
  return `${(s.schema as string | null) ?? 'public'}.${s.table as string}`;
}

/** The summary of a removed route (its detail says which). */
export const REMOVED_ROUTE = 'Values will no longer flow to a copy';

/**
 * Warnings that say in words what a plan changes about where values flow, for the reviewer: a
 * route that stops, one that moves or reverses, columns that stop flowing, a route repaired; and
 * how the route runs now: stopped by an error, not connected, behind its max_lag.
 */
export function flowChanges(prior: ObjectValue, planned: ObjectValue | null, health?: RouteHealth): Diagnostic[] {
  const text = (v: Value) => (typeof v === 'string' ? v : '(known after apply)');
  const list = (v: Value) => (Array.isArray(v) ? v.map(text) : []);
  const table = `${text(prior.schema ?? 'public')}.${text(prior.table)}`;
  const warn = (summary: string, detail: string): Diagnostic => ({ severity: 'warning', summary, detail });
  if (!planned) {
    // One summary for every removal, so a destroy's warnings fold into one (protection-messages.ts).
    return [warn(
      REMOVED_ROUTE,
      `${table}: ${list(prior.columns).join(', ')} will no longer flow from ${text(prior.authority)} to ${text(prior.copy)}. ` +
        `The copy on ${text(prior.copy)} keeps the values it has; later changes on ${text(prior.authority)} stay there. ` +
        'If the fact moved, check that this plan routes it from its new authority.',
    )];
  }
  const changes: Diagnostic[] = [];
  const [from, to] = [text(planned.authority), text(planned.copy)];
  if (from !== text(prior.authority) || to !== text(prior.copy)) {
    const reversed = from === text(prior.copy) && to === text(prior.authority);
    changes.push(warn(
      `${table}: the route ${text(prior.authority)} -> ${text(prior.copy)} ${reversed ? 'reverses' : 'moves'} to ${from} -> ${to}`,
      'The old route is removed completely (the table leaves its publication and subscription; the last route of a pair takes the ' +
        'subscription, slot and publication with it) before the new one is created, so values never flow ' +
        'both ways at once. Values that differ when the new route starts follow its divergence rule (a warning says how many rows).',
    ));
  }
  const dropped = Array.isArray(planned.columns) ? list(prior.columns).filter((c) => !(planned.columns as Value[]).includes(c)) : [];
  if (dropped.length) {
    changes.push(warn(
      `${table}: ${dropped.join(', ')} will no longer flow from ${text(prior.authority)} to ${text(prior.copy)}`,
      `The copy keeps the values it has; later changes on ${text(prior.authority)} stay there.`,
    ));
  }
  const route = `${table}: ${text(prior.copy)} receiving from ${text(prior.authority)}`;
  if (health && health.enabled && health.failing) {
    changes.push(warn(
      `${route} keeps failing to apply a change (${health.applyErrors} failures so far): values on ${text(prior.copy)} are going stale`,
      `The copy's server log says which change fails and why (a constraint, trigger or missing column on the copy's table, or a ` +
        'row changed there by other means). Every later change waits behind it. Fix the cause on the copy: the route retries every ' +
        'few seconds and resumes from that change by itself.',
    ));
  } else if (health && health.enabled && !health.connectionCurrent) {
    changes.push(warn(
      `${route} still connects with earlier settings for ${text(prior.authority)}`,
      `The provider configuration of ${text(prior.authority)} changed (a new password, host or port?) since the route was set up. ` +
        'This apply gives the copy\'s subscription the current settings.',
    ));
  } else if (prior.enabled === false) {
    changes.push(warn(
      `${table}: the route from ${text(prior.authority)} to ${text(prior.copy)} was disabled, dropped or altered by hand`,
      'This apply repairs it. Changes the authority made meanwhile still arrive if its replication slot survived; if the slot was dropped, they are lost.',
    ));
  } else if (health && health.enabled && !health.connected) {
    changes.push(warn(
      `${route} is not connected: values on ${text(prior.copy)} are going stale`,
      `The copy's server cannot reach or log in to ${text(prior.authority)} with the settings it was given; its server log says why. ` +
        `Changes wait on ${text(prior.authority)} (its replication slot keeps them, and its disk fills meanwhile) and arrive once the copy connects.`,
    ));
  } else if (health?.lagSeconds !== undefined && typeof planned.max_lag === 'string') {
    const limit = Contract.parseLag(planned.max_lag);
    if (limit !== undefined && health.lagSeconds > limit) {
      changes.push(warn(
        `${route} is ${Math.round(health.lagSeconds)}s behind, more than its max_lag ${planned.max_lag}`,
        `The copy applies changes slower than they arrive. Check the load on ${text(prior.copy)} and long transactions on ${text(prior.authority)}.`,
      ));
    }
  }
  return changes;
}

export const list = (v: Value) => (Array.isArray(v) ? v.join(', ') : String(v));
export const rows = (n: number) => `${n} row${n === 1 ? '' : 's'}`;

/** What a starting route does with the copy's values that already differ, and rows the copy lacks. */
export function divergenceAtStart(planned: ObjectValue, c: Comparison, repairing = false): Diagnostic[] {
  const [table, from, to, rule] = [tableOf(planned), planned.authority as string, planned.copy as string, planned.divergence as Divergence];
  const warnings: Diagnostic[] = [];
  if (c.differing > 0) {
    warnings.push(settlesAtStart(rule)
      ? {
        severity: 'warning',
        summary: `${table}: ${rows(c.differing)} on ${to} ${c.differing === 1 ? 'differs' : 'differ'} from ${from} in ${list(planned.columns)}; this apply replaces ${c.differing === 1 ? 'it' : 'them'} with ${from}'s values`,
        detail: (repairing
          ? `The route or the copy's protection was found disabled or altered, so values on ${to} may have been edited meanwhile. divergence = ${rule}: this apply settles them once`
          : `divergence = ${rule}: the route settles values that differ once, as it starts`) +
          ` (the receiver from ${from} pauses meanwhile), then carries every change made at ${from}.`,
      }
      : {
        severity: 'warning',
        summary: `${table}: ${rows(c.differing)} on ${to} ${c.differing === 1 ? 'differs' : 'differ'} from ${from} in ${list(planned.columns)} and ${c.differing === 1 ? 'stays as it is' : 'stay as they are'}`,
        detail: rule === 'manual_review'
          ? `divergence = manual_review: this apply queues each differing value for review on ${to} (authority_records.review_queue) and overwrites none.`
          : rule === 'newest_wins' ? (planned.two_way === true ? newestBothWaysAtStart(from, to) : newestWinsAtStart(from, to))
          : `divergence = ${rule}: the route carries only changes made at ${from} from now on. Review the differing rows on ${to}.`,
      });
  }
  if (c.missing > 0) {
    warnings.push({
      severity: 'warning',
      summary: `${table}: ${rows(c.missing)} of ${from} ${c.missing === 1 ? 'is' : 'are'} missing on ${to}`,
      detail: `The route does not insert them (their other columns on ${to} are not ${from}'s to fill); changes to them at ${from} are ` +
        `skipped on ${to} until the rows exist there. Rows inserted at ${from} from now on arrive.`,
    });
  }
  return warnings;
}


/**
 * divergence newest_wins, in words: which values differ at start stay (neither platform says when
 * they were written), and from then on the later of a local override and a change from the
 * authority wins, by the order in which they reach the copy.
 */
export function newestWinsAtStart(from: string, to: string): string {
  return `divergence = newest_wins: nobody can tell which of these values is newer (neither platform recorded when they were written), so ` +
    `they stay until one side writes again. From now on the most recent write of a value wins, in the order writes reach ${to}: a ` +
    `change from ${from} that arrives after a local override on ${to} replaces it (the override log says 'superseded'), and an ` +
    `override made after ${from}'s last change stands. The clock is ${to}'s: a change committed at ${from} before an override but ` +
    `arriving after it (replication lag) is the newer one. Writes to one row wait for each other, so there are no ties.`;
}

/**
 * divergence newest_wins on a half of a two-way sync of the same columns, in words: values that
 * differ at start stay; from then on both platforms stamp each write (two-way-clock-sql.ts).
 */
export function newestBothWaysAtStart(from: string, to: string): string {
  return `divergence = newest_wins, two_way: nobody can tell which of these values is newer (neither platform recorded when they were written), ` +
    `so they stay until one side writes again; nothing is settled from ${from}. From now on ${from} and ${to} stamp every write of a cell with ` +
    `their server's clock (authority_records.clock_<hash>), and the write with the latest stamp stands on both; a tie goes to the ` +
    `platform whose name sorts last.`;
}
