/**
 * The ownership diff of one fact: what its before and after values (the authority_ownership
 * output of a plan) say changed, in the report's kinds. Pure: values in, drafts out; the
 * assembler (ownership-diff.ts) adds ids and approvers.
 */
import type { OwnershipCopy, OwnershipFact } from '../constructs/src/ownership';
import type { ChangeKind, OwnershipChange } from './report';
import {
  copiesText, copyText, correctionText, daysUntil, divergenceText, editsChangeSentence, editsText, factView, propagationText,
} from './words';

/** A change before it gets its id and approvers. */
export interface ChangeDraft {
  readonly fact: string;
  readonly kind: ChangeKind;
  readonly summary: string;
  readonly before?: string;
  readonly after?: string;
  /** The platform the change is about (copies, routes, protections). */
  readonly platform?: string;
  /** The fact side by side (authority moves). */
  readonly sides?: OwnershipChange['sides'];
}

/** Local overrides that end within this many days are reported on every review. */
export const EXPIRY_WARNING_DAYS = 14;

/** The changes between two values of one fact (either may be absent: added or removed). */
export function diffFact(before: OwnershipFact | undefined, after: OwnershipFact | undefined): ChangeDraft[] {
  if (!before && !after) return [];
  if (!before) {
    const a = after!;
    return [{
      fact: a.id, kind: 'fact-added',
      summary: `${a.id} becomes governed: owned by ${a.authority.platform}, ${copiesText(a)}`,
      after: `${a.authority.platform} (${copiesText(a)})`,
    }];
  }
  if (!after) {
    return [{
      fact: before.id, kind: 'fact-removed',
      summary: `${before.id} is no longer governed: its copies are no longer protected or synced`,
      before: `${before.authority.platform} (${copiesText(before)})`,
    }];
  }
  const fact = after.id;
  const out: ChangeDraft[] = [];
  const moved = before.authority.platform !== after.authority.platform;
  const [from, to] = [before.authority.platform, after.authority.platform];
  if (moved) {
    const becomesCopy = after.copies.find((c) => c.platform === from);
    out.push({
      fact, kind: 'authority-moved',
      summary: `authority moves from ${from} to ${to}` +
        (becomesCopy ? `: ${from} becomes a ${editsText(becomesCopy.edits)} copy fed from ${becomesCopy.fedFrom}` : '') +
        `; corrections go to ${after.correction?.platform ?? 'no declared place'}`,
      before: `${from} (${copiesText(before)})`,
      after: `${to} (${copiesText(after)})`,
      sides: { before: factView(before), after: factView(after) },
    });
  }
  out.push(...diffCopies(before, after, moved));
  if (before.governedBy !== after.governedBy) {
    out.push({ fact, kind: 'governance-changed', summary: `${fact} is governed by ${after.governedBy} instead of ${before.governedBy}`, before: before.governedBy, after: after.governedBy });
  }
  if (before.divergence !== after.divergence) {
    out.push({
      fact, kind: 'divergence-changed', summary: `when values diverge: ${divergenceText(after.divergence)} (was ${divergenceText(before.divergence)})`,
      before: divergenceText(before.divergence), after: divergenceText(after.divergence),
    });
  }
  if (before.maxLag !== after.maxLag || before.propagation !== after.propagation) {
    out.push({
      fact, kind: 'max-lag-changed', summary: `propagation becomes ${propagationText(after)} (was ${propagationText(before)})`,
      before: propagationText(before), after: propagationText(after),
    });
  }
  const [cb, ca] = [correctionText(before.correction), correctionText(after.correction)];
  // A move says where corrections go; a correction path that moves with the authority is part of it.
  if (cb !== ca && !(moved && before.correction?.platform === from && after.correction?.platform === to && before.correction.how === after.correction.how)) {
    out.push({ fact, kind: 'correction-changed', summary: `a wrong value is corrected at ${ca} (was ${cb})`, before: cb, after: ca });
  }
  return out;
}

function diffCopies(before: OwnershipFact, after: OwnershipFact, moved: boolean): ChangeDraft[] {
  const fact = after.id;
  const [from, to] = [before.authority.platform, after.authority.platform];
  const beforeBy = new Map(before.copies.map((c) => [c.platform, c]));
  const afterBy = new Map(after.copies.map((c) => [c.platform, c]));
  const out: ChangeDraft[] = [];
  for (const [platform, b] of beforeBy) {
    const a = afterBy.get(platform);
    if (!a) {
      // The new authority stops being a copy: the move says so.
      if (moved && platform === to) continue;
      out.push({
        fact, kind: 'copy-removed', platform,
        summary: `${platform} no longer holds a governed copy of ${fact}: it is no longer protected, and the sync from ${b.fedFrom} stops`,
        before: copyText(b, from),
      });
      continue;
    }
    out.push(...diffCopy(fact, b, a, moved ? { from, to } : undefined));
  }
  for (const [platform, a] of afterBy) {
    if (beforeBy.has(platform) || (moved && platform === from)) continue;
    out.push({
      fact, kind: 'copy-added', platform,
      summary: `${platform} gets a ${editsText(a.edits)} copy of ${fact}, fed from ${a.fedFrom}` +
        (a.protected ? '; people are refused there and sent to the correction path' : `; people may edit it (${a.reason ?? 'no reason given'})`),
      after: copyText(a, to),
    });
  }
  return out;
}

function diffCopy(fact: string, b: OwnershipCopy, a: OwnershipCopy, move?: { from: string; to: string }): ChangeDraft[] {
  const out: ChangeDraft[] = [];
  const platform = a.platform;
  if (b.edits !== a.edits || b.reason !== a.reason || b.expires !== a.expires) {
    out.push({ fact, kind: 'copy-edits-changed', platform, summary: editsChangeSentence(fact, b, a), before: copyText(b), after: copyText(a) });
  } else if (b.protected && !a.protected) {
    out.push({ fact, kind: 'protection-stopped', platform, summary: `${platform} stops refusing people's edits of ${fact}`, before: 'protected', after: 'not protected' });
  }
  // Values now come from elsewhere; a move re-sources the copies the old authority fed.
  if (b.fedFrom !== a.fedFrom && !(move && b.fedFrom === move.from && a.fedFrom === move.to)) {
    out.push({
      fact, kind: 'route-resourced', platform,
      summary: `${platform} receives ${fact} from ${a.fedFrom} instead of ${b.fedFrom}`,
      before: `${b.fedFrom} → ${platform}`, after: `${a.fedFrom} → ${platform}`,
    });
  }
  return out;
}

/** Local overrides of `fact` (after the change) that end within EXPIRY_WARNING_DAYS of `today`, or have ended. */
export function expiringOverrides(f: OwnershipFact, today: string): ChangeDraft[] {
  return f.copies.filter((c) => c.edits === 'local_override' && c.expires && daysUntil(c.expires, today) <= EXPIRY_WARNING_DAYS).map((c) => {
    const days = daysUntil(c.expires!, today);
    const when = days < 0 ? `ended on ${c.expires} (${-days} day${days === -1 ? '' : 's'} ago)`
      : days === 0 ? `ends today (${c.expires})` : `ends on ${c.expires} (in ${days} day${days === 1 ? '' : 's'})`;
    return {
      fact: f.id, kind: 'override-expiring' as const, platform: c.platform,
      summary: `the local override of ${f.id} on ${c.platform} ${when}: renew it with a reason, or make the copy read-only`,
      before: copyText(c), after: days < 0 ? 'expired' : `${days} day${days === 1 ? '' : 's'} left`,
    };
  });
}
