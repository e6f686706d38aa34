/** `authority gate`: checks that every ownership change in a report has its teams' approvals. */
import * as path from 'node:path';
import { type ApprovalSource, checkApprovals, readApprovalSources, type Approvals } from '../review/approvals';
import { TeamDirectory } from '../review/approvals-teams';
import { decideGate, GATE_LEVELS, type GateLevel, type GateOutcome, type GateOverride, missingApprovals } from '../review/gate';
import { InputError } from '../review/gate-errors';
import { loadReport } from '../review/gate-report';
import type { OwnershipReport } from '../review/report';
import { type Command, type CommandIo, UsageError } from './command';

/** The override log's default place, relative to the project. */
export const DEFAULT_OVERRIDE_LOG = '.authority/gate-overrides.jsonl';

export const GATE_OPTIONS_HELP = [
  '  --report FILE            the ownership report (`authority review --format json`)',
  '  --approvals FILE|LIST    a JSON file {"planDigest": "...", "approvedBy": [...]} bound to the',
  '                           report\'s plan digest, or a comma-separated list of teams or handles',
  '  --approved-by TEAM       a team (name or handle) that approved; repeatable',
  '  --level LEVEL            advisory | soft | hard (default hard)',
  '  --override-by NAME       soft only: the person who overrides missing approvals',
  '  --override-reason TEXT   soft only: why (both are recorded in the override log)',
  `  --override-log FILE      the append-only JSON lines log (default ${DEFAULT_OVERRIDE_LOG})`,
  '  --teams FILE             the team directory (default authority.teams.json)',
].join('\n');

/** Parsed `--name value` options; repeatable ones collect every value. */
export function parseOptions(args: readonly string[], known: readonly string[]): Map<string, string[]> {
  const options = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (!known.includes(name)) throw new UsageError(`unknown option "${arg}".`);
    if (name === '--check') { options.set(name, ['']); continue; }
    const value = inline ?? args[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new UsageError(`${name} needs a value.`);
    options.set(name, [...(options.get(name) ?? []), value]);
  }
  return options;
}

export function single(options: Map<string, string[]>, name: string): string | undefined {
  const values = options.get(name);
  if (values && values.length > 1) throw new UsageError(`${name} is given ${values.length} times; give it once.`);
  return values?.[0];
}

export const GATE_FLAGS = ['--report', '--approvals', '--approved-by', '--level', '--override-by', '--override-reason', '--override-log', '--teams'];

/** Everything the gate needs, read and checked. */
export interface GateInput {
  readonly report: OwnershipReport;
  readonly reportFile: string;
  readonly teams: TeamDirectory;
  /** What the CI system said, as read (apply checks each file's digest itself). */
  readonly sources: readonly ApprovalSource[];
  readonly approvals: Approvals;
  readonly level: GateLevel;
  readonly override?: GateOverride;
}

export function readGateInput(options: Map<string, string[]>, cwd: string): GateInput {
  const reportArg = single(options, '--report');
  if (!reportArg) throw new UsageError('--report FILE is required (the JSON that `authority review --format json` writes).');
  const approvals = options.get('--approvals') ?? [];
  const approvedBy = options.get('--approved-by') ?? [];
  if (approvals.length + approvedBy.length === 0) {
    throw new UsageError('say who approved: --approvals FILE|LIST or --approved-by TEAM (give --approvals "" when nobody has).');
  }
  const level = (single(options, '--level') ?? 'hard') as GateLevel;
  if (!GATE_LEVELS.includes(level)) throw new UsageError(`--level must be one of ${GATE_LEVELS.join(', ')}, not "${level}".`);
  const by = single(options, '--override-by');
  const reason = single(options, '--override-reason');
  if ((by === undefined) !== (reason === undefined) || by === '' || reason === '') {
    throw new UsageError('an override needs both --override-by NAME and --override-reason TEXT, neither blank.');
  }
  const reportFile = path.resolve(cwd, reportArg);
  const report = loadReport(reportFile);
  const teams = TeamDirectory.inProject(cwd, single(options, '--teams'));
  const sources = readApprovalSources(cwd, approvals.filter((a) => a !== ''), approvedBy);
  return {
    report,
    reportFile,
    teams,
    sources,
    approvals: checkApprovals(sources, report.planDigest, teams),
    level,
    ...(by && reason ? { override: { by, reason, log: path.resolve(cwd, single(options, '--override-log') ?? DEFAULT_OVERRIDE_LOG) } } : {}),
  };
}

/** Runs the gate on checked input and prints its verdict. */
export function runGate(input: GateInput, io: CommandIo): GateOutcome {
  for (const note of input.approvals.discarded) io.err(`note: ${note}`);
  const missing = missingApprovals(input.report, input.approvals.teams);
  const outcome = decideGate(input.report, missing, input.level, input.teams, input.override);
  (outcome.passed ? io.out : io.err)(outcome.lines.join('\n'));
  return outcome;
}

/** Runs `body`, turning bad input into its message and exit code 2. */
export async function withInputErrors(name: string, io: CommandIo, body: () => Promise<number> | number): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof InputError) {
      io.err(`authority ${name}: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

export const gateCommand: Command = {
  name: 'gate',
  summary: 'Check that each ownership change has its governing teams\' approvals',
  help: [
    'usage: authority gate --report FILE (--approvals FILE|LIST | --approved-by TEAM ...) [--level advisory|soft|hard]',
    '                      [--override-by NAME --override-reason TEXT] [--override-log FILE] [--teams FILE]',
    '',
    'Each ownership change in the report needs the approval of each of its approvers (teams).',
    'Approvals in a file count only for the plan digest they name. Exit 0 when approved (or',
    'advisory, or overridden at soft), 1 when approvals are missing, 2 for bad input.',
    '',
    'Options:',
    GATE_OPTIONS_HELP,
    '',
    'Example:',
    '  authority gate --report review.json --approved-by @example/marketing-ops --approved-by Finance',
  ].join('\n'),
  run: (args, io) => withInputErrors('gate', io, () => {
    const input = readGateInput(parseOptions(args, GATE_FLAGS), io.cwd);
    return runGate(input, io).passed ? 0 : 1;
  }),
};
