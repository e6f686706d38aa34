/**
 * One set of answers: for every governed fact of the example organization, `explain --json`,
 * the JSON map (`authority map`) and the MCP tools (through the SDK's client) give the same four
 * answers, and may_i_write agrees with the map on every place the fact lives.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { runCli } from '../cli/authority';
import { authorityMcpServer } from '../cli/mcp-command';
import { organizationMap } from '../map/organization';
import type { AuthorityMap } from '../map/map-types';
import { captureIo } from './map-support';

let printedMap: AuthorityMap;
let client: Client;

beforeAll(async () => {
  const io = captureIo();
  expect(await runCli(['map'], io)).toBe(0);
  printedMap = JSON.parse(io.stdout.join(''));
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await authorityMcpServer(organizationMap()).connect(serverSide);
  client = new Client({ name: 'consistency', version: '1.0.0' });
  await client.connect(clientSide);
});

afterAll(async () => {
  await client?.close();
});

async function tool(name: string, args: Record<string, string>): Promise<any> {
  const r: any = await client.callTool({ name, arguments: args });
  if (r.isError) throw new Error(`${name}(${JSON.stringify(args)}): ${r.content[0].text}`);
  return r.structuredContent;
}

async function explainJson(subject: string): Promise<any> {
  const io = captureIo();
  expect(await runCli(['explain', subject, '--json'], io)).toBe(0);
  return JSON.parse(io.stdout.join(''));
}

test('the organization has governed facts to compare', () => {
  expect(printedMap.facts.length).toBeGreaterThanOrEqual(6);
});

test('explain --json, the JSON map and the MCP tools give the same four answers for every fact, by id and by column', async () => {
  let compared = 0;
  for (const fact of printedMap.facts) {
    const locations = Object.keys(printedMap.locations).filter((k) => printedMap.locations[k].fact === fact.id);
    for (const subject of [fact.id, ...locations]) {
      const explained = await explainJson(subject);
      expect([subject, explained.answers]).toEqual([subject, fact.answers]);
      const { fact: owned, asked: _asked, ...origin } = await tool('who_owns', { subject });
      const { fact: corrected, ...correction } = await tool('where_to_correct', { subject });
      const { fact: copied, ...copies } = await tool('list_copies', { subject });
      const { fact: diverged, ...divergence } = await tool('what_if_values_differ', { subject });
      expect([subject, owned, corrected, copied, diverged]).toEqual([subject, fact.id, fact.id, fact.id, fact.id]);
      expect([subject, { origin, correction, copies, divergence }]).toEqual([subject, fact.answers]);
      compared++;
    }
  }
  expect(compared).toBe(printedMap.facts.length + Object.keys(printedMap.locations).length);
});

test('may_i_write agrees with the map wherever a fact lives: yes on the authority, no on a read-only copy, with the same correction', async () => {
  for (const [key, at] of Object.entries(printedMap.locations)) {
    const fact = printedMap.facts.find((f) => f.id === at.fact)!;
    const answer = await tool('may_i_write', { platform: at.platform, field: key.slice(key.indexOf(':') + 1) });
    const copy = fact.answers.copies.copies.find((c) => c.platform === at.platform);
    expect([key, answer.fact, answer.allowed]).toEqual([key, fact.id, at.role === 'authority' || !!copy?.mayEdit]);
    if (!answer.allowed) expect([key, answer.writeInstead]).toEqual([key, fact.answers.correction]);
  }
});
