/**
 * What plan and apply say about a route's review queue (divergence manual_review), for the
 * reviewer: conflicts waiting for a person, where they are and how to resolve them; values queued
 * as a route starts; resolutions the apply writes.
 */
import { ReviewQueueState } from '../platforms/adapter';
import { Diagnostic } from '../framework';
import { ageText } from './override-messages';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** How to resolve an item, in the platform's words. */
export function resolveHow(queue: string): string {
  return `Resolve each with UPDATE ${queue} SET resolution = 'authority' WHERE id = ... (the sync writes the authority's value: ` +
    `at the next change of the row there, or the next apply) or SET resolution = 'copy' (the copy keeps its value; to have the ` +
    `authority hold it too, correct it there: the item closes when its value arrives equal). Who may: anyone who may UPDATE the copy's table.`;
}

/** The plan's warnings about a route's queue: open conflicts, and resolutions this apply writes. */
export function reviewWarnings(where: string, authority: string, q: ReviewQueueState): Diagnostic[] {
  const warnings: Diagnostic[] = [];
  if (q.open > 0) {
    warnings.push({
      severity: 'warning',
      summary: `${where}: ${plural(q.open, 'conflict')} with ${authority} ${q.open === 1 ? 'waits' : 'wait'} for review in ${q.table}` +
        (q.oldestSeconds !== undefined ? `, the oldest ${ageText(q.oldestSeconds)} old` : ''),
      detail: `divergence = manual_review: the copy keeps its values there and the sync does not overwrite them. ` +
        `See them with SELECT * FROM ${q.table} WHERE status = 'open'. ${resolveHow(q.table)}`,
    });
  }
  if (q.resolving > 0) {
    warnings.push({
      severity: 'warning',
      summary: `${where}: ${plural(q.resolving, 'value')} resolved to ${authority}'s ${q.resolving === 1 ? 'waits' : 'wait'} for the sync; this apply writes ${q.resolving === 1 ? 'it' : 'them'}`,
      detail: `A person chose ${authority}'s value in ${q.table}; the apply writes it as the sync does and closes the item.`,
    });
  }
  return warnings;
}

/** What an apply did with the queue: values queued as the route started, resolutions written. */
export function reviewApplied(where: string, authority: string, queued: number, resolved: number, queue: string): Diagnostic[] {
  return [
    ...(queued > 0 ? [{
      severity: 'warning' as const,
      summary: `${where}: ${plural(queued, 'value')} that differ from ${authority}'s ${queued === 1 ? 'was' : 'were'} queued for review in ${queue}`,
      detail: `divergence = manual_review: nothing was overwritten. ${resolveHow(queue)}`,
    }] : []),
    ...(resolved > 0 ? [{
      severity: 'warning' as const,
      summary: `${where}: wrote ${authority}'s value in ${plural(resolved, 'cell')} resolved to it in ${queue}`,
      detail: 'A person chose the authority\'s value; the items are closed.',
    }] : []),
  ];
}
