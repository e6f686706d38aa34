/**
 * `npx authority mcp`: serves the authority map's questions to AI agents over stdio (Model
 * Context Protocol). Each tool answers from map/answers.ts, like `explain`.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { callMcpTool, MCP_TOOLS } from '../map/mcp-tools';
import { organizationMap } from '../map/organization';
import type { AuthorityMap } from '../map/map-types';
import { Command, UsageError } from './command';

declare const AUTHORITY_VERSION: string | undefined;

/** An MCP server answering from `map` (not yet connected to a transport). */
export function authorityMcpServer(map: AuthorityMap): Server {
  const server = new Server(
    { name: 'authority', version: typeof AUTHORITY_VERSION === 'string' ? AUTHORITY_VERSION : '0.1.0' },
    {
      capabilities: { tools: {} },
      instructions: 'Ask which system owns a business fact before writing it: who_owns, may_i_write, where_to_correct, what_if_values_differ, list_copies.',
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: MCP_TOOLS.map((t) => ({ ...t, inputSchema: { ...t.inputSchema } })) }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    try {
      const answer = callMcpTool(map, request.params.name, request.params.arguments ?? {});
      const says = summary(answer);
      return {
        content: [{ type: 'text' as const, text: says ? `${says}\n\n${JSON.stringify(answer, null, 2)}` : JSON.stringify(answer, null, 2) }],
        structuredContent: answer as Record<string, unknown>,
      };
    } catch (e) {
      // A question the map cannot answer is the caller's to fix: say so as a tool error.
      return { content: [{ type: 'text' as const, text: (e as Error).message }], isError: true };
    }
  });
  return server;
}

/** The answer's sentence, first: what an agent reads before the data. */
function summary(answer: unknown): string {
  const a = answer as { says?: string; why?: string; allowed?: boolean };
  if (typeof a.allowed === 'boolean') return `${a.allowed ? 'Yes' : 'No'}. ${a.why ?? ''}`.trim();
  return a.says ?? '';
}

export const mcpCommand: Command = {
  name: 'mcp',
  summary: 'Serve the authority map to AI agents (Model Context Protocol over stdio)',
  help: [
    'usage: authority mcp',
    '',
    'Runs an MCP server on standard input and output. Tools: who_owns, may_i_write,',
    'where_to_correct, what_if_values_differ, list_copies; each answers from the model',
    '(policies/), like `authority explain`. Register it with your agent, for example:',
    '',
    '  { "mcpServers": { "authority": { "command": "npx", "args": ["authority", "mcp"] } } }',
  ].join('\n'),
  async run(args) {
    if (args.length) throw new UsageError(`unknown option "${args[0]}".`);
    const server = authorityMcpServer(organizationMap());
    const closed = new Promise<void>((resolve) => { server.onclose = resolve; process.stdin.once('end', resolve); });
    await server.connect(new StdioServerTransport());
    // Serve until the client closes standard input or the connection.
    await closed;
    await server.close();
    return 0;
  },
};
