/** `npx authority explain <fact | platform:table.column>`: the four answers about one fact, in words or as JSON. */
import { explain, explanationText, liveStatusText } from '../map/answers';
import { liveStatus } from '../map/live';
import { organizationSource, sourceMap } from '../map/organization';
import { Command, UsageError } from './command';
import { APP_HELP, takeAppOption } from './map-command';

export interface ExplainOptions {
  readonly subject: string;
  readonly json: boolean;
  readonly live: boolean;
  /** @default cdktf.json's app (see map/organization.ts) */
  readonly app?: string;
}

export function parseExplainArgs(all: readonly string[]): ExplainOptions {
  const { app, rest: args } = takeAppOption(all);
  const subjects = args.filter((a) => !a.startsWith('--'));
  const unknown = args.filter((a) => a.startsWith('--') && a !== '--json' && a !== '--live');
  if (unknown.length) throw new UsageError(`unknown option "${unknown[0]}".`);
  if (subjects.length !== 1) throw new UsageError('name one fact (concept.field) or one column (platform:table.column).');
  return { subject: subjects[0], json: args.includes('--json'), live: args.includes('--live'), ...(app !== undefined ? { app } : {}) };
}

export const explainCommand: Command = {
  name: 'explain',
  summary: 'Answer for one fact: where it originates, where to correct it, its copies, what wins',
  help: [
    'usage: authority explain <fact | platform:table.column> [--json] [--live] [--app CMD|DIR]',
    '',
    'Answers from the model, without running platforms:',
    '  where the fact originates, its authority and governing team; where and how to correct it',
    '  (runbook, contact); every copy and what people may do there; which way values flow and how',
    '  far a copy may lag; what wins when values differ.',
    '',
    '  --json   the same answers as data (the map\'s answers for the fact)',
    '  --live   also read the platforms (the domain\'s deployed stack in cdktf.out): a refresh-only',
    '           terraform plan says whether each copy\'s protection is enforced or drifted and each',
    '           sync route streaming; the platforms say the route\'s lag now, the conflicts waiting',
    '           for review, and the values overridden locally (how many, the oldest, by whom).',
    '           Needs the platforms and the domain\'s state; without --live nothing is contacted.',
    ...APP_HELP,
    '',
    'examples: npx authority explain campaign.name',
    '          npx authority explain ops:campaigns.name --live',
  ].join('\n'),
  async run(args, io) {
    const options = parseExplainArgs(args);
    const source = organizationSource(io.cwd, options.app);
    const map = sourceMap(source);
    const explanation = explain(map, options.subject);
    const live = options.live ? await liveStatus(map, explanation.fact, source.stacksDir) : undefined;
    if (options.json) io.out(JSON.stringify({ ...explanation, ...(live ? { live } : {}) }, null, 2));
    else io.out(explanationText(explanation) + (live ? `\n\n${liveStatusText(live)}` : ''));
    return 0;
  },
};
