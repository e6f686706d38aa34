/** The Directus client's messages and queries, and the installer's progress lines. */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { DirectusClient, DirectusError, errorOf, withQuery } from '../provider/platforms/directus/client';
import { installPhase } from '../tooling/directus-install';
import { findChromium } from '../tooling/browser';

describe('errorOf turns Directus error answers into messages naming the request', () => {
  test.each([
    ['PATCH /items/campaigns/1', 403, { errors: [{ message: 'You don\'t have permission to access field "name" in collection "campaigns" or it does not exist.', extensions: { code: 'FORBIDDEN' } }] },
      'Directus refused PATCH /items/campaigns/1: 403 FORBIDDEN: You don\'t have permission to access field "name" in collection "campaigns" or it does not exist.'],
    ['POST /permissions', 400, { errors: [{ message: 'a', extensions: { code: 'INVALID_PAYLOAD' } }, { message: 'b', extensions: { code: 'INVALID_PAYLOAD' } }] },
      'Directus refused POST /permissions: 400 INVALID_PAYLOAD: a; b'],
    ['GET /server/info', 502, undefined, 'Directus refused GET /server/info: 502: Bad gateway'],
    ['DELETE /roles/x', 500, undefined, 'Directus refused DELETE /roles/x: 500: (empty answer)'],
  ])('%s %i', (request, status, parsed, message) => {
    const text = parsed ? JSON.stringify(parsed) : status === 502 ? 'Bad gateway' : '';
    const e = errorOf(request, status, parsed, text);
    expect(e).toBeInstanceOf(DirectusError);
    expect({ message: e.message, request: e.request, status: e.status }).toEqual({ message, request, status });
  });
});

test.each([
  ['/users', undefined, '/users'],
  ['/users', { 'filter[email][_eq]': 'a+b@example.com', fields: 'id' }, '/users?filter[email][_eq]=a%2Bb%40example.com&fields=id'],
  ['/items/x?limit=1', { 'filter[name][_eq]': 'a&b=c' }, '/items/x?limit=1&filter[name][_eq]=a%26b%3Dc'],
])('withQuery(%s, %j)', (path, query, expected) => {
  expect(withQuery(path, query)).toBe(expected);
});

test('a request that gets no answer names the request and the address, never the token', async () => {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r())); // nothing listens there now
  const token = 'secret-static-token-123';
  const e = (await new DirectusClient({ url: `http://127.0.0.1:${port}`, token }).get('/collections').catch((x: Error) => x)) as DirectusError;
  expect(e).toBeInstanceOf(DirectusError);
  expect(e.message).toBe(`Directus at http://127.0.0.1:${port} did not answer GET /collections: ECONNREFUSED`);
  expect(`${e.message}${e.stack}`).not.toContain(token);
});

test('a refusal sends the token only in the Authorization header and keeps it out of the error', async () => {
  const token = 'secret-static-token-456';
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ message: 'Invalid user credentials.', extensions: { code: 'INVALID_CREDENTIALS' } }] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const e = (await new DirectusClient({ url, token }).patch('/items/campaigns/1', { name: 'x' }).catch((x: Error) => x)) as DirectusError;
    expect(e.message).toBe('Directus refused PATCH /items/campaigns/1: 401 INVALID_CREDENTIALS: Invalid user credentials.');
    expect(`${e.message}${e.stack}`).not.toContain(token);
    expect(seen).toEqual([`PATCH /items/campaigns/1 Bearer ${token}`]);
  } finally {
    server.close();
  }
});

test.each([
  ['', 'resolving the lock file'],
  ['npm http fetch GET 200 https://registry.npmjs.org/a/-/a-1.tgz 12ms\n'.repeat(3), 'fetching packages (3 of 10)'],
  ['npm http fetch GET 200 x\n'.repeat(10), 'unpacking and linking packages (10 fetched)'],
  ['npm http fetch GET 200 x\n> isolated-vm@5.0.1 install\n> prebuild-install || node-gyp rebuild --release -j 4\n',
    "running isolated-vm's install script (compiling a native module from source, the longest step)"],
  ['> isolated-vm@5.0.1 install\nfoo\n> vue-demi@0.14.10 postinstall\n', "running vue-demi's postinstall script"],
])('install progress from npm\'s log: %#', (log, phase) => {
  expect(installPhase(log, 10)).toBe(phase);
});

test('the browser is AUTHORITY_CHROMIUM, else the first system Chromium; a missing one says what to install', () => {
  expect(findChromium({ AUTHORITY_CHROMIUM: '/opt/chrome' }, (p) => p === '/opt/chrome')).toBe('/opt/chrome');
  expect(findChromium({}, (p) => p === '/usr/bin/chromium-browser')).toBe('/usr/bin/chromium-browser');
  expect(findChromium({}, () => false)).toBeUndefined();
  expect(() => findChromium({ AUTHORITY_CHROMIUM: '/opt/none' }, () => false)).toThrow(/does not exist.*apt-get install -y chromium/);
});
