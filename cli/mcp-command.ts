/**
 * `npx authority mcp`: serves the authority map's questions to AI agents over stdio (Model
 * Context Protocol). Each tool answers from map/answers.ts, like `explain`.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { callMcpTool, McpContext, MCP_TOOLS } from '../map/mcp-tools';
import { organizationSource, sourceMap } from '../map/organization';
import type { AuthorityMap } from '../map/map-types';
import { Command, UsageError } from './command';
import { APP_HELP, takeAppOption } from './map-command';

declare const AUTHORITY_VERSION: string | undefined;

/** An MCP server answering from `map` (not yet connected to a transport). */
export function authorityMcpServer(map: AuthorityMap, context: McpContext = {}): Server {
  const server = new Server(
    { name: 'authority', version: typeof AUTHORITY_VERSION === 'string' ? AUTHORITY_VERSION : '0.1.0' },
    {
      capabilities: { tools: {} },
      instructions: 'Ask which system owns a business fact before writing it: who_owns, may_i_write, where_to_correct, what_if_values_differ, ' +
        'list_copies; live_status reads how it is held on the platforms now.',
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: MCP_TOOLS.map((t) => ({ ...t, inputSchema: { ...t.inputSchema } })) }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    try {
      const answer = await callMcpTool(map, request.params.name, request.params.arguments ?? {}, context);
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

/** The answer's sentence, first: what an agent reads before the data (live status: one line per protection and route). */
function summary(answer: unknown): string {
  const a = answer as { says?: string; why?: string; allowed?: boolean; protections?: { says: string }[]; routes?: { says: string }[] };
  if (typeof a.allowed === 'boolean') return `${a.allowed ? 'Yes' : 'No'}. ${a.why ?? ''}`.trim();
  if (a.protections && a.routes) return [...a.protections, ...a.routes].map((x) => x.says).join('\n');
  return a.says ?? '';
}

export const mcpCommand: Command = {
  name: 'mcp',
  summary: 'Serve the authority map to AI agents (Model Context Protocol over stdio)',
  help: [
    'usage: authority mcp [--app CMD|DIR]',
    '',
    'Runs an MCP server on standard input and output. Tools: who_owns, may_i_write,',
    'where_to_correct, what_if_values_differ, list_copies (each answers from the model, like',
    '`authority explain`) and live_status (reads the platforms, like `explain --live`).',
    ...APP_HELP,
    '',
    'Register it with your agent, for example:',
    '',
    '  { "mcpServers": { "authority": { "command": "npx", "args": ["authority", "mcp"] } } }',
  ].join('\n'),
  async run(args, io) {
    const { app, rest } = takeAppOption(args);
    if (rest.length) throw new UsageError(`unknown option "${rest[0]}".`);
    const source = organizationSource(io.cwd, app);
    const server = authorityMcpServer(sourceMap(source), { stacksDir: source.stacksDir });
    const closed = new Promise<void>((resolve) => { server.onclose = resolve; process.stdin.once('end', resolve); });
    await server.connect(new StdioServerTransport());
    // Serve until the client closes standard input or the connection.
    await closed;
    await server.close();
    return 0;
  },
};
