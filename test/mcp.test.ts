/**
 * `npx authority mcp` as an agent meets it: the SDK's own Client spawns the built CLI over stdio
 * and asks the tools. Builds the CLI first (node scripts/build.mjs).
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { PROJECT } from './map-support';

let client: Client;

beforeAll(async () => {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: PROJECT, stdio: 'pipe' });
  client = new Client({ name: 'authority-test', version: '1.0.0' });
  await client.connect(new StdioClientTransport({
    command: process.execPath, args: [path.join(PROJECT, 'dist/cli/authority.js'), 'mcp'], cwd: PROJECT, stderr: 'pipe',
  }));
});

afterAll(async () => {
  await client?.close();
});

const textOf = (r: any) => r.content.map((c: any) => c.text).join('\n');

test('the server lists its six tools, each with an input schema', async () => {
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name)).toEqual(['who_owns', 'may_i_write', 'where_to_correct', 'what_if_values_differ', 'list_copies', 'live_status']);
  expect(tools.find((t) => t.name === 'may_i_write')!.inputSchema.required).toEqual(['platform', 'field']);
});

test('may I write campaigns.name on ops? No: write in the CRM, with the correction path', async () => {
  const r: any = await client.callTool({ name: 'may_i_write', arguments: { platform: 'ops', field: 'campaigns.name' } });
  expect(r.isError).toBeFalsy();
  expect(textOf(r)).toMatch(/^No\. No: The operations tool \(ops\)/);
  expect(r.structuredContent).toMatchObject({
    fact: 'campaign.name', platform: 'ops', allowed: false,
    writeInstead: {
      platform: 'crm', location: 'crm:public.campaigns.name', how: 'open the campaign and edit its name',
      runbook: 'https://wiki.example.com/runbooks/campaign-names', contact: '#marketing-ops',
    },
  });
});

test('who owns a column: the fact it holds, its authority and team', async () => {
  const r: any = await client.callTool({ name: 'who_owns', arguments: { subject: 'bi:accounts.owner' } });
  expect(r.structuredContent).toMatchObject({ fact: 'account.owner', authority: 'crm', governedBy: 'Sales operations', asked: { platform: 'bi', role: 'copy' } });
});

test('a question the map cannot answer is a tool error with a message', async () => {
  const r: any = await client.callTool({ name: 'where_to_correct', arguments: { subject: 'campaign.budget' } });
  expect(r.isError).toBe(true);
  expect(textOf(r)).toContain('"campaign.budget" is neither a governed fact nor a platform location the map knows');
  const missing: any = await client.callTool({ name: 'list_copies', arguments: {} });
  expect(missing.isError).toBe(true);
  expect(textOf(missing)).toBe('list_copies needs "subject" as a non-empty string.');
});
