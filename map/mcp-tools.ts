/**
 * The MCP tools' definitions and answers, from the same map functions as `explain`: an agent
 * asking who owns a column gets what a person reading `explain` gets. No SDK here: the server in
 * cli/mcp-command.ts only carries these over stdio.
 */
import { askedWords, listCopies, mayIWrite, resolve, whatIfValuesDiffer, whereToCorrect, whoOwns } from './answers';
import { liveStatus } from './live';
import type { AuthorityMap } from './map-types';

/** Where the tools find the organization's deployed stacks (for live_status). */
export interface McpContext {
  /** The folder of the domains' deployed stacks, e.g. cdktf.out/stacks. @default live_status answers that it cannot read the platforms */
  readonly stacksDir?: string;
}

export interface McpToolDefinition {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: { readonly type: 'object'; readonly properties: Record<string, object>; readonly required: string[] };
}

const SUBJECT = {
  subject: { type: 'string', description: 'A fact as concept.field ("campaign.name") or a column as platform:table.column ("ops:campaigns.name").' },
};
const subjectTool = (name: string, description: string): McpToolDefinition =>
  ({ name, description, inputSchema: { type: 'object', properties: SUBJECT, required: ['subject'] } });

export const MCP_TOOLS: readonly McpToolDefinition[] = [
  subjectTool('who_owns', 'Which platform is the authority for a business fact (or the fact a column holds), where it originates, and which team governs it.'),
  {
    name: 'may_i_write',
    description: 'May a person or agent change this field on this platform? Answers yes or no, why, and where to write instead.',
    inputSchema: {
      type: 'object',
      properties: {
        platform: { type: 'string', description: 'The platform you would write on, e.g. "ops".' },
        field: { type: 'string', description: 'The field: "campaigns.name" (table.column there), "ops:campaigns.name", or the fact "campaign.name".' },
      },
      required: ['platform', 'field'],
    },
  },
  subjectTool('where_to_correct', 'Where and how a wrong value of a fact is corrected: platform, how, runbook, contact.'),
  subjectTool('what_if_values_differ', 'What happens when copies disagree with the authority: which way values flow, how far a copy may lag, and what wins.'),
  subjectTool('list_copies', 'Every copy or projection of a fact, and what people may do to it there.'),
  subjectTool('live_status', 'How the fact is held on the platforms now (reads them; slower): each protection enforced or drifted and its ' +
    'strength, values overridden locally (how many, the oldest, by whom), each sync route streaming and its lag now against max lag, ' +
    'and conflicts waiting for review. Needs the domain\'s deployed stack.'),
];

/** Answers one tool call as data; unknown names or arguments throw with a message for the caller. */
export async function callMcpTool(map: AuthorityMap, name: string, args: Record<string, unknown> = {}, context: McpContext = {}): Promise<unknown> {
  const text = (key: string): string => {
    const v = args[key];
    if (typeof v !== 'string' || !v.trim()) throw new Error(`${name} needs "${key}" as a non-empty string.`);
    return v;
  };
  switch (name) {
    case 'who_owns': return whoOwns(map, text('subject'));
    case 'may_i_write': return mayIWrite(map, text('platform'), text('field'));
    case 'where_to_correct': return whereToCorrect(map, text('subject'));
    case 'what_if_values_differ': return whatIfValuesDiffer(map, text('subject'));
    case 'list_copies': return listCopies(map, text('subject'));
    case 'live_status': {
      const fact = resolve(map, text('subject')).fact.id;
      if (!context.stacksDir) throw new Error('This server knows no deployed stacks, so it cannot read the platforms; the other tools answer from the model.');
      return liveStatus(map, fact, context.stacksDir);
    }
    default: throw new Error(`No tool ${askedWords(name)}; tools: ${MCP_TOOLS.map((t) => t.name).join(', ')}.`);
  }
}
