/**
 * The ownership diff of a change set: per domain, per fact, from the authority_ownership output's
 * values before and after, the authority resources' planned changes and the drift found on the
 * platforms. A fact that leaves one domain and appears in another is one change, approved by both.
 */
import type { DomainOwnership, OwnershipFact } from '../constructs/src/ownership';
import { ChangeDraft, diffFact, expiringOverrides } from './fact-diff';
import { OwnershipSides, PlanJson, PlanResourceChange, changeKindOf } from './plan-json';
import type { OwnershipChange } from './report';
import { correctionText } from './words';

export const PROTECTION_TYPE = 'authority_field_protection';
export const ROUTE_TYPE = 'authority_sync_route';

/** One domain's plan, read. */
export interface DomainPlan {
  readonly domain: string;
  readonly plan: PlanJson;
  readonly sides: OwnershipSides;
}

type Attrs = Record<string, unknown>;

/** The report's changes for the domains' plans (in the order given), judged against `today` (YYYY-MM-DD). */
export function ownershipChanges(plans: readonly DomainPlan[], today: string): OwnershipChange[] {
  const relocated = relocations(plans);
  const changes: OwnershipChange[] = [];
  const ids = new Set<string>();
  for (const p of plans) {
    const before = factsOf(p.sides.before);
    const after = factsOf(p.sides.after);
    const team = p.sides.after?.governedBy ?? p.sides.before?.governedBy;
    const teamBefore = p.sides.before?.governedBy;
    const explained = new Set<string>();
    const add = (drafts: readonly ChangeDraft[], b: OwnershipFact | undefined, a: OwnershipFact | undefined, teams: readonly (string | undefined)[]) => {
      for (const d of drafts) {
        explained.add(d.fact);
        changes.push(finish(p.domain, d, b, a, [a?.governedBy, b?.governedBy, ...teams], ids));
      }
    };
    for (const id of [...after.keys(), ...[...before.keys()].filter((f) => !after.has(f))]) {
      const [b, a] = [before.get(id), after.get(id)];
      const move = relocated.get(id);
      if (move?.from.domain === p.domain && !a) { // reported where the fact arrives, with its resources here
        explained.add(id);
        continue;
      }
      if (move?.to.domain === p.domain && !b) {
        add(relocationDrafts(move.from.fact, a!, move.from.domain, p.domain), move.from.fact, a, [team, teamBefore, move.from.team]);
      } else {
        add(diffFact(b, a), b, a, [team, teamBefore]);
      }
      if (a) add(expiringOverrides(a, today), b, a, [team]);
    }
    // Drift first: what it explains (a guard dropped by hand, planned to be created again) is not said twice.
    const factsByName = new Map([...before, ...after]);
    const drift = driftDrafts(p.plan, factsByName);
    for (const d of [...drift, ...unexplainedResourceDrafts(p.plan, factsByName, new Set([...explained, ...drift.map((x) => x.fact)]))]) {
      const f = factsByName.get(d.fact);
      changes.push(finish(p.domain, d, f, f, [f?.governedBy, team], ids));
    }
  }
  return changes;
}

function factsOf(o: DomainOwnership | undefined): Map<string, OwnershipFact> {
  return new Map((o?.facts ?? []).map((f) => [f.id, f]));
}

/** Drafts with the report's id, approvers and correction path. */
function finish(domain: string, d: ChangeDraft, b: OwnershipFact | undefined, a: OwnershipFact | undefined,
  teams: readonly (string | undefined)[], ids: Set<string>): OwnershipChange {
  let id = `${domain}/${d.fact}/${d.kind}${d.platform ? `/${d.platform}` : ''}`;
  for (let n = 2; ids.has(id); n++) id = `${domain}/${d.fact}/${d.kind}${d.platform ? `/${d.platform}` : ''}#${n}`;
  ids.add(id);
  const correction = a ?? b ? correctionText((a ?? b)!.correction) : undefined;
  const correctionBefore = b && a && correctionText(b.correction) !== correction ? correctionText(b.correction) : undefined;
  return {
    id, domain, fact: d.fact, kind: d.kind, summary: d.summary,
    ...(d.before !== undefined ? { before: d.before } : {}),
    ...(d.after !== undefined ? { after: d.after } : {}),
    approvers: [...new Set(teams.filter((t): t is string => !!t))],
    ...(d.platform ? { platform: d.platform } : {}),
    ...(correction ? { correction } : {}),
    ...(correctionBefore ? { correctionBefore } : {}),
    ...(d.sides ? { sides: d.sides } : {}),
  };
}

interface Relocation {
  readonly from: { readonly domain: string; readonly team?: string; readonly fact: OwnershipFact };
  readonly to: { readonly domain: string };
}

/** Facts that leave exactly one domain and arrive in exactly one other. */
function relocations(plans: readonly DomainPlan[]): Map<string, Relocation> {
  const left = new Map<string, { domain: string; team?: string; fact: OwnershipFact }[]>();
  const arrived = new Map<string, string[]>();
  for (const p of plans) {
    const before = factsOf(p.sides.before);
    const after = factsOf(p.sides.after);
    for (const [id, f] of before) if (!after.has(id)) left.set(id, [...(left.get(id) ?? []), { domain: p.domain, team: p.sides.before?.governedBy, fact: f }]);
    for (const id of after.keys()) if (!before.has(id)) arrived.set(id, [...(arrived.get(id) ?? []), p.domain]);
  }
  const moves = new Map<string, Relocation>();
  for (const [id, from] of left) {
    const to = arrived.get(id);
    if (from.length === 1 && to?.length === 1 && to[0] !== from[0].domain) moves.set(id, { from: from[0], to: { domain: to[0] } });
  }
  return moves;
}

function relocationDrafts(b: OwnershipFact, a: OwnershipFact, from: string, to: string): ChangeDraft[] {
  const where = `(moves from domain ${from} to domain ${to})`;
  const drafts = diffFact(b, a).map((d) => (d.kind === 'authority-moved' ? { ...d, summary: `${d.summary} ${where}` } : d));
  if (drafts.some((d) => d.kind === 'authority-moved' || d.kind === 'governance-changed')) return drafts;
  return [{ fact: a.id, kind: 'governance-changed', summary: `${a.id} is decided in domain ${to} instead of ${from}`, before: from, after: to }, ...drafts];
}

/** The facts a protection names ("campaign.name" or "a.x, a.y"). */
function protectionFacts(attrs: Attrs): string[] {
  return String(attrs.fact ?? `${attrs.table}.${(attrs.columns as string[] | undefined ?? []).join(', ')}`).split(', ');
}

/** The facts a route carries: those whose copy on the route's copy platform lives in its table and columns. */
function routeFacts(attrs: Attrs, facts: ReadonlyMap<string, OwnershipFact>): string[] {
  const columns = (attrs.columns as string[] | undefined) ?? [];
  const at = new Set(columns.map((c) => `${attrs.schema ?? 'public'}.${attrs.table}.${c}`));
  const found = [...facts.values()].filter((f) => [f.authority, ...f.copies].some((h) =>
    (h.platform === attrs.copy || h.platform === attrs.authority) && h.location && at.has(h.location.slice(h.platform.length + 1))));
  return found.length ? found.map((f) => f.id) : [`${attrs.table}.${columns.join(', ')}`];
}

/** Protections (and routes) undone by hand on the platforms since the last apply. */
function driftDrafts(plan: PlanJson, facts: ReadonlyMap<string, OwnershipFact>): ChangeDraft[] {
  const out: ChangeDraft[] = [];
  const drifted = new Set<string>();
  for (const r of plan.resource_drift ?? []) {
    const [b, a] = [r.change.before as Attrs | null, r.change.after as Attrs | null];
    if (r.type !== PROTECTION_TYPE || !b || b.role !== 'copy' || (a && a.enforced !== false)) continue;
    for (const fact of protectionFacts(b)) {
      drifted.add(`${fact}/${b.platform}`);
      out.push({
        fact, kind: 'protection-drifted', platform: String(b.platform),
        summary: a ? `the protection of ${fact} on ${b.platform} was disabled or altered by hand: people can edit the copy now; apply restores it`
          : `the protection of ${fact} on ${b.platform} was removed by hand: people can edit the copy now; apply installs it again`,
        before: 'enforced', after: a ? 'not enforced' : 'removed',
      });
    }
  }
  for (const r of plan.resource_drift ?? []) {
    const [b, a] = [r.change.before as Attrs | null, r.change.after as Attrs | null];
    if (r.type !== ROUTE_TYPE || !b || b.enabled !== true || (a && a.enabled !== false)) continue;
    // A route reads as not running while its copy's protection is off: the protection's drift says it.
    for (const fact of routeFacts(b, facts).filter((f) => !drifted.has(`${f}/${b.copy}`))) {
      out.push({
        fact, kind: 'route-stopped', platform: String(b.copy),
        summary: `the sync route ${b.authority} → ${b.copy} of ${fact} was ${a ? 'disabled or altered' : 'removed'} by hand: values stopped flowing; apply repairs it`,
        before: `${b.authority} → ${b.copy}`, after: a ? 'not running' : 'removed',
      });
    }
  }
  return out;
}

/** Authority resources that change where the values show no reason (e.g. a route re-created). */
function unexplainedResourceDrafts(plan: PlanJson, facts: ReadonlyMap<string, OwnershipFact>, explained: ReadonlySet<string>): ChangeDraft[] {
  const out: ChangeDraft[] = [];
  for (const r of plan.resource_changes ?? []) {
    const kind = changeKindOf(r.change.actions);
    const [b, a] = [r.change.before as Attrs | null, r.change.after as Attrs | null];
    if (r.type === ROUTE_TYPE) {
      const attrs = (a ?? b)!;
      for (const fact of routeFacts(attrs, facts).filter((f) => !explained.has(f))) {
        const route = (x: Attrs) => `${x.authority} → ${x.copy}`;
        if (kind === 'create') out.push({ fact, kind: 'route-started', platform: String(a!.copy), summary: `values of ${fact} start flowing ${route(a!)}`, after: route(a!) });
        else if (kind === 'delete') out.push({ fact, kind: 'route-stopped', platform: String(b!.copy), summary: `values of ${fact} stop flowing ${route(b!)}`, before: route(b!) });
        else if (kind === 'update' && b && a && b.authority !== a.authority) {
          const reversed = b.authority === a.copy && b.copy === a.authority;
          out.push({
            fact, kind: reversed ? 'route-reversed' : 'route-resourced', platform: String(a.copy),
            summary: reversed ? `the sync of ${fact} reverses: ${route(a)}` : `${a.copy} receives ${fact} from ${a.authority} instead of ${b.authority}`,
            before: route(b), after: route(a),
          });
        }
      }
    } else if (r.type === PROTECTION_TYPE && kind === 'delete' && b?.role === 'copy') {
      for (const fact of protectionFacts(b).filter((f) => !explained.has(f))) {
        out.push({ fact, kind: 'protection-stopped', platform: String(b.platform), summary: `${b.platform} stops refusing people's edits of ${fact}`, before: 'protected', after: 'not protected' });
      }
    }
  }
  return out;
}

/** What a plan does besides ownership: the count of other resources' changes, and every destroy. */
export function resourceSummary(plan: PlanJson): { otherChanges: number; destroys: string[] } {
  const changing = (r: PlanResourceChange) => !['no-op', 'read'].includes(changeKindOf(r.change.actions));
  const all = (plan.resource_changes ?? []).filter(changing);
  return {
    otherChanges: all.filter((r) => r.type !== PROTECTION_TYPE && r.type !== ROUTE_TYPE).length,
    destroys: all.filter((r) => r.change.actions.includes('delete')).map((r) => r.address),
  };
}
