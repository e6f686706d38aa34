/** `authority review`: plans the domains, and reports what the change set does to ownership. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildReport } from '../review/build-report';
import { defaultPlansDir, readProject, savedPlans } from '../review/planner';
import { renderMarkdown } from '../review/render-markdown';
import { renderText } from '../review/render-text';
import type { OwnershipReport } from '../review/report';
import { todayIso } from '../review/words';
import { Command, CommandIo, UsageError } from './command';

const FORMATS = ['markdown', 'json', 'text'] as const;
type Format = (typeof FORMATS)[number];

export interface ReviewArgs {
  readonly domains: string[];
  readonly format: Format;
  readonly out?: string;
  readonly plansDir?: string;
  readonly fromPlans: boolean;
  readonly skipNoChanges: boolean;
}

export function parseReviewArgs(args: readonly string[]): ReviewArgs {
  const domains: string[] = [];
  let format: Format = 'text';
  let out: string | undefined;
  let plansDir: string | undefined;
  let fromPlans = false;
  let skipNoChanges = false;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].startsWith('--') && args[i].includes('=') ? [args[i].slice(0, args[i].indexOf('=')), args[i].slice(args[i].indexOf('=') + 1)] : [args[i], undefined];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value.`);
      return v;
    };
    if (flag === '--format') {
      const f = value();
      if (!(FORMATS as readonly string[]).includes(f)) throw new UsageError(`--format is one of ${FORMATS.join(', ')}; got "${f}".`);
      format = f as Format;
    } else if (flag === '--out') out = value();
    else if (flag === '--plans-dir') plansDir = value();
    else if (flag === '--from-plans') fromPlans = true;
    else if (flag === '--skip-no-changes') skipNoChanges = true;
    else if (flag.startsWith('-')) throw new UsageError(`unknown option ${flag}.`);
    else domains.push(flag);
  }
  return { domains, format, out, plansDir, fromPlans, skipNoChanges };
}

/** Whether a comment would say nothing worth reading: no ownership change and nothing destroyed. */
export function nothingToSay(report: OwnershipReport): boolean {
  return report.changes.length === 0 && report.plans.every((p) => p.destroys.length === 0);
}

export const reviewCommand: Command = {
  name: 'review',
  summary: 'Plan the domains and report what the change does to ownership (for a pull request)',
  help: [
    'usage: authority review [domains...] [--format markdown|json|text] [--out FILE] [--plans-dir DIR] [--from-plans] [--skip-no-changes]',
    '',
    'Synthesizes the project, plans every domain (or the ones named) into saved plan files, and reports per fact',
    'what changes: authority moves, copies and what people may do there, protections stopped or undone by hand,',
    'sync routes, divergence, lag, correction paths, local overrides near expiry, and the teams that must approve.',
    '',
    'Options:',
    '  --format F         markdown (a pull-request comment), json (schemas/ownership-report.schema.json) or text (default)',
    '  --out FILE         write the report to FILE instead of standard output',
    '  --plans-dir DIR    where the saved plans go (<domain>.tfplan); default .authority/plans',
    '                     ($AUTHORITY_HOME/plans when AUTHORITY_HOME is set, beside its cdktf.out)',
    '  --from-plans       read the saved plans in --plans-dir instead of planning again',
    '  --skip-no-changes  print nothing when no ownership changes and nothing is destroyed',
    '',
    'The plan digest (sha256 over the saved plans) is what approvals are bound to: apply exactly these plan files.',
    'Local-override expiry is judged against today, or AUTHORITY_TODAY=YYYY-MM-DD.',
    '',
    'Example: npx authority review campaigns --format markdown --out review.md',
  ].join('\n'),
  async run(args: readonly string[], io: CommandIo): Promise<number> {
    const o = parseReviewArgs(args);
    const project = readProject(io.cwd);
    const plansDir = o.plansDir ? path.resolve(io.cwd, o.plansDir) : defaultPlansDir(io.cwd);
    const today = todayIso();
    const plans = await savedPlans({ project, domains: o.domains, plansDir, fromPlans: o.fromPlans, progress: (l) => io.err(l) });
    const report = buildReport(plans.map((p) => ({ ...p, planFile: path.relative(io.cwd, p.planFile) })), today);
    if (o.skipNoChanges && nothingToSay(report)) return 0;
    const texts = new Map(plans.map((p) => [p.domain, p.text]));
    const rendered = o.format === 'json' ? JSON.stringify(report, null, 2) + '\n'
      : o.format === 'markdown' ? renderMarkdown(report, { planTexts: texts }) : renderText(report);
    if (o.out) {
      fs.mkdirSync(path.dirname(path.resolve(io.cwd, o.out)), { recursive: true });
      fs.writeFileSync(path.resolve(io.cwd, o.out), rendered);
      io.err(`wrote the ${o.format} review to ${o.out} (plan digest sha256:${report.planDigest})`);
    } else {
      io.out(rendered);
    }
    return 0;
  },
};
