/**
 * The MCP tools' definitions and answers, from the same map functions as `explain`: an agent
 * asking who owns a column gets what a person reading `explain` gets. No SDK here: the server in
 * cli/mcp-command.ts only carries these over stdio.
 */
import { listCopies, mayIWrite, whatIfValuesDiffer, whereToCorrect, whoOwns } from './answers';
import type { AuthorityMap } from './map-types';

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
];

/** Answers one tool call as data; unknown names or arguments throw with a message for the caller. */
export function callMcpTool(map: AuthorityMap, name: string, args: Record<string, unknown> = {}): unknown {
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
    default: throw new Error(`No tool "${name}"; tools: ${MCP_TOOLS.map((t) => t.name).join(', ')}.`);
  }
}
