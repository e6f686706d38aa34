import { stronglyConnected } from '../graph';
import { AuthorityModel } from '../authority-model';
import type { AuthorityPolicy } from '../authority-policy';
import type { ConceptField } from '../concept';
import type { Platform } from '../platform';
import { RuleFinding, RuleLevel } from '../rule';
import { AuthorityRule } from '../rule-base';

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly policy: AuthorityPolicy;
  /** The return direction of a two-way sync without a split. */
  readonly back: boolean;
}

/** Stop after this many loops: one is enough to fail synth, a few show the pattern. */
const MAX_LOOPS = 10;

/**
 * A propagation cycle: values that flow from a column back into itself through the syncs of one
 * or more policies, in one Domain or across Domains.
 *
 * The graph's nodes are physical field locations ("crm:public.campaigns.name"), not concept
 * fields, so two concepts (in two Domains) that map the same column meet in one node: that is how
 * a loop spanning Domains shows. For each governed field, a policy adds an edge from each copy's
 * source (its `feedsFrom`, else the authority) to the copy. A two-way sync without a split also
 * adds the return edges (copy -> source); with a split, each field flows one way only, from the
 * side that controls it to the policy's other platforms, so a valid split adds no cycle. The one
 * cycle that is allowed is the back-and-forth of a single two-way policy without a split: it is
 * the sync that policy declares, and the two-writers rule already demands its divergence rule.
 */
export class SyncLoopRule extends AuthorityRule {
  constructor() {
    super({
      id: 'sync-loop',
      summary: 'Propagation forms a loop: a value flows from a field back into it through other syncs.',
      explanation:
        'Propagation direction says which systems inherit the authoritative value. When the syncs of one or ' +
        'more policies form a cycle, each change echoes around it: values ping-pong, overwrite edits made in ' +
        'between, and grow change logs until someone stops a sync by hand (sync loops are one of the first ' +
        'symptoms of unclear authority).',
      advice:
        'Break the loop: every field flows one way, outward from its single authority. Remove the policy or ' +
        'copy that feeds a value back towards its source, or fix a copy\'s feedsFrom.',
      level: RuleLevel.ERROR,
      // Not suppressible: a loop rewrites data forever.
      suppressible: false,
    });
  }

  public evaluate(model: AuthorityModel): RuleFinding[] {
    const edges = this.edges(model);
    const out = new Map<string, Edge[]>();
    for (const e of edges) {
      const list = out.get(e.from);
      if (list) list.push(e);
      else out.set(e.from, [e]);
    }
    const nodes = [...new Set(edges.flatMap((e) => [e.from, e.to]))].sort();

    // Cycles live inside strongly connected components: find those first (linear), then list
    // the simple cycles of each (small: one column's copies), each once from its smallest node.
    const cycles: Edge[][][] = [];
    for (const component of this.components(nodes, out)) {
      const members = component.sort();
      const index = new Map(members.map((n, i) => [n, i]));
      for (const start of members) {
        const startIndex = index.get(start)!;
        const visit = (node: string, path: string[], steps: Edge[][]) => {
          if (cycles.length >= MAX_LOOPS) return;
          const byTarget = new Map<string, Edge[]>();
          for (const e of out.get(node) ?? []) {
            const i = index.get(e.to);
            if (i === undefined || i < startIndex) continue;
            byTarget.set(e.to, [...(byTarget.get(e.to) ?? []), e]);
          }
          for (const [to, options] of byTarget) {
            if (to === start) {
              const cycle = [...steps, options];
              if (!this.isDeclaredTwoWay(cycle)) cycles.push(cycle);
            } else if (!path.includes(to)) {
              visit(to, [...path, to], [...steps, options]);
            }
          }
        };
        visit(start, [start], []);
      }
    }

    return cycles.map((cycle) => {
      const policies = new Set(cycle.flatMap((options) => options.map((e) => e.policy)));
      const last = model.policies.filter((p) => policies.has(p)).pop()!;
      const route = [cycle[0][0].from, ...cycle.map((options) => `${options[0].to} (${[...new Set(options.map((e) => e.policy.node.path))].join(', ')})`)];
      return {
        subject: last,
        message: `values loop: ${route.join(' -> ')}.`,
      };
    });
  }

  /** Strongly connected components with two or more nodes. */
  private components(nodes: string[], out: Map<string, Edge[]>): string[][] {
    return stronglyConnected(nodes, (v) => (out.get(v) ?? []).map((e) => e.to)).filter((c) => c.length > 1);
  }

  /** The back-and-forth of one two-way policy without a split: declared, not a loop. */
  private isDeclaredTwoWay(cycle: Edge[][]): boolean {
    if (cycle.length !== 2) return false;
    const all = cycle.flat();
    const policy = all[0].policy;
    return all.every((e) => e.policy === policy) && all.some((e) => e.back) && all.some((e) => !e.back);
  }

  private edges(model: AuthorityModel): Edge[] {
    const edges: Edge[] = [];
    const add = (policy: AuthorityPolicy, field: ConceptField, from: Platform, to: Platform, back: boolean) => {
      if (from === to) return; // a copy fed from itself, or a copy on the authority: other rules' business
      edges.push({
        from: AuthorityModel.locationKey(field, from),
        to: AuthorityModel.locationKey(field, to),
        policy,
        back,
      });
    };
    for (const policy of model.policies) {
      const twoWay = model.isTwoWay(policy);
      const split = twoWay && policy.propagation.split.length > 0;
      for (const field of policy.fields) {
        const controller = split ? model.splitControllerOf(policy, field.name) : undefined;
        for (const copy of policy.copies) {
          const source = copy.feedsFrom ?? policy.authority;
          if (controller && copy.platform === controller) continue; // it writes this field; nothing flows into it
          add(policy, field, source, copy.platform, false);
          if (twoWay && !split) add(policy, field, copy.platform, source, true);
        }
        if (controller && controller !== policy.authority) add(policy, field, controller, policy.authority, false);
      }
    }
    return edges;
  }
}
