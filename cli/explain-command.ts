/** `npx authority explain <fact | platform:table.column>`: the four answers about one fact, in words or as JSON. */
import { explain, explanationText } from '../map/answers';
import { liveStatus, liveStatusText } from '../map/live';
import { organizationMap } from '../map/organization';
import { Command, UsageError } from './command';

export interface ExplainOptions {
  readonly subject: string;
  readonly json: boolean;
  readonly live: boolean;
}

export function parseExplainArgs(args: readonly string[]): ExplainOptions {
  const subjects = args.filter((a) => !a.startsWith('--'));
  const unknown = args.filter((a) => a.startsWith('--') && a !== '--json' && a !== '--live');
  if (unknown.length) throw new UsageError(`unknown option "${unknown[0]}".`);
  if (subjects.length !== 1) throw new UsageError('name one fact (concept.field) or one column (platform:table.column).');
  return { subject: subjects[0], json: args.includes('--json'), live: args.includes('--live') };
}

export const explainCommand: Command = {
  name: 'explain',
  summary: 'Answer for one fact: where it originates, where to correct it, its copies, what wins',
  help: [
    'usage: authority explain <fact | platform:table.column> [--json] [--live]',
    '',
    'Answers from the model (policies/), without running platforms:',
    '  where the fact originates, its authority and governing team; where and how to correct it',
    '  (runbook, contact); every copy and what people may do there; which way values flow and how',
    '  far a copy may lag; what wins when values differ.',
    '',
    '  --json   the same answers as data (the map\'s answers for the fact)',
    '  --live   also read the platforms through terraform (the domain\'s stack in cdktf.out, run',
    '           `npx cdktf synth` first): is each copy\'s protection enforced or drifted, is each',
    '           sync route streaming, and what the provider warns about lag and differing rows.',
    '           Needs the platforms and the domain\'s state; without --live nothing is contacted.',
    '',
    'examples: npx authority explain campaign.name',
    '          npx authority explain ops:campaigns.name --live',
  ].join('\n'),
  async run(args, io) {
    const options = parseExplainArgs(args);
    const map = organizationMap();
    const explanation = explain(map, options.subject);
    const live = options.live ? liveStatus(map, explanation.fact, io.cwd) : undefined;
    if (options.json) io.out(JSON.stringify({ ...explanation, ...(live ? { live } : {}) }, null, 2));
    else io.out(explanationText(explanation) + (live ? `\n\n${liveStatusText(live)}` : ''));
    return 0;
  },
};
