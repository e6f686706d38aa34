/**
 * The whole example organization's review, beyond its plans: on a copy of this project (its own
 * AUTHORITY_HOME, `npm start`'s local PostgreSQL servers), with campaign.name moved from the CRM
 * to the CMS, how long synthesizing and planning the six domains take (what any plan costs), and
 * what `authority review` adds: `terraform show` of each saved plan (JSON and text), the ownership
 * diff and the Markdown comment. Also the built CLI end to end. Prints the medians of a few runs;
 * run with `npm run bench:review-org`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const RUNS = 3;
const SOURCE = path.resolve(__dirname, '..', '..'); // dist/bench -> the project
const NOT_COPIED = new Set(['node_modules', '.git', '.authority', 'cdktf.out', 'test-artifacts', 'coverage', 'test']);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-bench-review-org-'));
const project = path.join(work, 'project');
const home = path.join(work, 'home');
process.env.AUTHORITY_HOME = home;
process.env.CHECKPOINT_DISABLE = '1';

function node(args: string[]): void {
  const r = spawnSync(process.execPath, args, { cwd: project, env: process.env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
}

function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  fs.mkdirSync(project);
  for (const entry of fs.readdirSync(SOURCE)) {
    if (!NOT_COPIED.has(entry)) fs.cpSync(path.join(SOURCE, entry), path.join(project, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(SOURCE, 'node_modules'), path.join(project, 'node_modules'));
  // Loaded once AUTHORITY_HOME is set: tooling/paths reads it when it loads.
  const { defaultPlansDir, inParallel, planConcurrency, planDomain, readProject, showPlan, synthesize } = await import('../review/planner');
  const { buildReport } = await import('../review/build-report');
  const { renderMarkdown } = await import('../review/render-markdown');

  console.log('starting the example organization (npm start) ...');
  node(['dist/tooling/embedded.js', 'up']);
  const policy = path.join(project, 'policies', 'campaigns.ts');
  fs.writeFileSync(policy, fs.readFileSync(policy, 'utf8')
    .replace('authority: crm,\n      origin: crm,', 'authority: cms!,\n      origin: cms!,')
    .replace("copies: [Copy.readOnly(ops), ...(cms ? [Copy.readOnly(cms)] : []),", 'copies: [Copy.readOnly(crm), Copy.readOnly(ops),')
    .replace('correction: CorrectionPath.at(crm, {', 'correction: CorrectionPath.at(cms!, {'));

  const layout = readProject(project);
  const plansDir = defaultPlansDir(project);
  fs.mkdirSync(plansDir, { recursive: true });
  const rows: { plans: number; show: number; report: number; cli: number; changes: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    let t = process.hrtime.bigint();
    const domains = await synthesize(layout);
    await inParallel(domains, planConcurrency(), (d) => planDomain(layout, d, path.join(plansDir, `${d}.tfplan`)));
    const plans = seconds(t);
    t = process.hrtime.bigint();
    const saved = await inParallel(domains, planConcurrency(), (d) => showPlan(layout, d, path.join(plansDir, `${d}.tfplan`)));
    const show = seconds(t);
    t = process.hrtime.bigint();
    const report = buildReport(saved, '2027-01-01');
    renderMarkdown(report, { planTexts: new Map(saved.map((p) => [p.domain, p.text])) });
    const reportTime = seconds(t);
    t = process.hrtime.bigint();
    node(['dist/cli/authority.js', 'review', '--format', 'markdown', '--out', path.join(work, 'review.md')]);
    rows.push({ plans, show, report: reportTime, cli: seconds(t), changes: report.changes.length });
  }
  const s = (x: number) => `${x.toFixed(2)} s`;
  const m = (k: keyof (typeof rows)[number]) => median(rows.map((r) => r[k]));
  console.log(`\nthe example organization: ${rows[0].changes} ownership changes in 6 domains, median of ${RUNS} runs`);
  console.log('| synth + plan (6 domains) | terraform show (JSON + text) | diff + Markdown | review beyond its plans | `authority review` end to end |');
  console.log('|---|---|---|---|---|');
  console.log(`| ${s(m('plans'))} | ${s(m('show'))} | ${s(m('report'))} | ${s(m('show') + m('report'))} | ${s(m('cli'))} |`);
}

main()
  .finally(() => {
    spawnSync(process.execPath, ['dist/tooling/embedded.js', 'down'], { cwd: project, env: process.env });
    fs.rmSync(work, { recursive: true, force: true });
  })
  .catch((e: Error) => {
    console.error(e.message);
    process.exitCode = 1;
  });
