/** The report for a terminal: plain text, one block per domain, a line per change. */
import type { OwnershipReport } from './report';
import { KIND_LABEL, allApprovers, allDestroys, beforeAfter, groupByDomain, headline } from './render-common';

export function renderText(report: OwnershipReport): string {
  const lines = [`Ownership review: ${headline(report)}`, `Plan digest: sha256:${report.planDigest}`];
  const destroys = allDestroys(report);
  if (destroys.length) lines.push(`WARNING: this change destroys ${destroys.map((d) => `${d.address} (${d.domain})`).join(', ')}`);
  const approvers = allApprovers(report);
  if (approvers.length) lines.push(`Approvals needed from: ${approvers.join(', ')}`);
  const width = 24;
  for (const g of groupByDomain(report)) {
    const p = g.plan;
    lines.push('', `${p.domain}${p.governedBy ? ` (${p.governedBy})` : ''}${g.facts.length ? '' : ': no ownership changes'}`);
    for (const f of g.facts) {
      lines.push(`  ${f.fact}`);
      for (const c of f.changes) {
        lines.push(`    ${KIND_LABEL[c.kind].padEnd(width)}${c.summary}`);
        const ba = beforeAfter(c);
        if (c.sides) {
          for (const [label, key] of [['copies', 'copies'], ['sync', 'sync']] as const) {
            lines.push(`    ${''.padEnd(width)}${label}: ${c.sides.before[key]} -> ${c.sides.after[key]}`);
          }
        } else if (ba) lines.push(`    ${''.padEnd(width)}${ba}`);
        lines.push(`    ${''.padEnd(width)}approvers: ${c.approvers.join(', ')}`);
      }
      if (f.correction) lines.push(`    ${'correction path'.padEnd(width)}${f.correction}${f.correctionBefore ? ` (was ${f.correctionBefore})` : ''}`);
    }
    lines.push(`  other resource changes: ${p.otherChanges}`);
  }
  return lines.join('\n') + '\n';
}
