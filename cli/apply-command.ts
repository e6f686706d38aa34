/** `authority apply`: applies the reviewed plans, and only those, once the gate passes. */
import * as path from 'node:path';
import { applyPlans, changesOfPlans, defaultStacksDir, planProblems, unreportedChanges } from '../review/apply';
import { terraformEnv } from '../tooling/terraform-env';
import type { Command } from './command';
import { GATE_FLAGS, GATE_OPTIONS_HELP, parseOptions, readGateInput, runGate, single, withInputErrors } from './gate-command';

export const applyCommand: Command = {
  name: 'apply',
  summary: 'Apply the reviewed plans once approved; refuse plans made after review',
  help: [
    'usage: authority apply --report FILE (--approvals FILE|LIST | --approved-by TEAM ...) [--stacks DIR] [gate options]',
    '',
    'The pipeline\'s apply step. Refuses (exit 1, naming the domain) when a saved plan\'s sha256',
    'is not the report\'s, the approvals name another plan digest, or the plans make an ownership',
    'change the report leaves out (read again from the plans); then runs the gate; then',
    '`terraform apply <saved plan>` in each domain\'s stack folder, in report order.',
    '',
    'Options:',
    GATE_OPTIONS_HELP,
    '  --stacks DIR             the cdktf stack folders (default cdktf.out/stacks)',
    '',
    'Example:',
    '  authority apply --report review.json --approvals approvals.json',
  ].join('\n'),
  run: (args, io) => withInputErrors('apply', io, async () => {
    const options = parseOptions(args, [...GATE_FLAGS, '--stacks']);
    const input = readGateInput(options, io.cwd);
    const problems = planProblems(input.report, io.cwd, input.sources);
    if (problems.length) {
      io.err(['authority apply: refused, these are not the plans that were reviewed and approved:', ...problems.map((p) => `  ${p}`)].join('\n'));
      return 1;
    }
    const stacks = path.resolve(io.cwd, single(options, '--stacks') ?? defaultStacksDir(io.cwd));
    const env = terraformEnv({ TF_IN_AUTOMATION: '1' });
    const unreported = unreportedChanges(input.report, await changesOfPlans(input.report, io.cwd, stacks, env));
    if (unreported.length) {
      io.err(['authority apply: refused, the report does not say what these plans do to ownership (was it edited after review?):',
        ...unreported.map((p) => `  ${p}`), 'Review again (authority review) and have the new report approved; nothing was applied.'].join('\n'));
      return 1;
    }
    if (!runGate(input, io).passed) {
      io.err('authority apply: refused by the gate; nothing was applied.');
      return 1;
    }
    const ok = await applyPlans(input.report, io.cwd, stacks, env, (line) => io.out(line));
    return ok ? 0 : 1;
  }),
};
