/**
 * The Directus kind's own rules, without a Directus: which collections it can protect, where a
 * collection is (namespace "public" only), its block's settings and secrets, and how Directus's
 * answers become the neutral errors the resources handle.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiagnosticError } from '../provider/framework';
import { NotFoundError, PlatformRefusedError, PlatformUnreachableError } from '../provider/platforms/errors';
import { DirectusError } from '../provider/platforms/directus/client';
import { classifyDirectusError } from '../provider/platforms/directus/errors-of';
import { collectionNameProblem } from '../provider/platforms/directus/names';
import { placementProblems } from '../provider/platforms/directus/adapter';
import { configureDirectus, directusUrlProblem } from '../provider/platforms/directus/config';
import { DirectusAdapter } from '../provider/platforms/directus/adapter';
import { KINDS } from '../provider/platforms';
import { nameProblem } from '../provider/resources/config-checks';
import { HOSTILE_NAMES } from './support/hostile-names';

/** Hostile names without a space, a double quote or a character outside printable ASCII. */
const SERVED = new Set(['single quote', 'empty dollar quote', 'backslash', 'percent (format)', 'reserved word', 'upper case', 'leading digit', 'single letter (alias-like)', 'internal-looking', '63 bytes']);

test.each(HOSTILE_NAMES.map((h) => [h.label, h.name] as const))('collection named with %s: refused exactly when Directus cannot serve it', (label, name) => {
  const problem = collectionNameProblem(name);
  expect([label, problem === undefined]).toEqual([label, SERVED.has(label)]);
  if (problem) expect(problem.summary).toContain(JSON.stringify(name));
});

test.each([
  ['space', 'two words', '" "'],
  ['double quote', 'a"b', '"\\""'],
  ['non-ASCII', 'kampagnen_ü', '"ü"'],
])('a collection name with a %s says which character Directus refuses', (_l, name, shown) => {
  expect(collectionNameProblem(name)?.detail).toContain(shown);
});

test.each(['directus_users', 'directus_permissions', 'authority_protections'])('Directus\'s own collection %s is not a copy to protect', (name) => {
  expect(collectionNameProblem(name)?.summary).toContain('Directus\'s own collection');
});

test('Directus\'s collection rules do not refuse PostgreSQL table names at validate time (the kind is not known then)', () => {
  expect(KINDS.map((k) => k.name)).toContain('directus');
  expect(nameProblem('table', 'two words', 'protect something else')).toBeUndefined();
  expect(nameProblem('table', 'naïve_名前_🚀', 'protect something else')).toBeUndefined();
});

test.each([
  ['public', 'campaigns', []],
  ['crm', 'campaigns', ['schema']],
  ['public', 'two words', ['table']],
] as const)('a collection in namespace %s named %s: problems on %j', (namespace, container, attributes) => {
  expect(placementProblems({ namespace, container }).map((d) => d.attribute?.[0])).toEqual(attributes);
});

test('a namespace other than public is refused naming the schema attribute and what to do', () => {
  const [d] = placementProblems({ namespace: 'crm', container: 'campaigns' });
  expect(d).toMatchObject({ summary: 'Directus has no schema "crm": a collection is named without one', attribute: ['schema'] });
  expect(d.detail).toContain('Leave schema unset');
});

test.each([
  ['https://cms.example.com', undefined],
  ['http://127.0.0.1:8055/', undefined],
  ['http://127.0.0.1:8055/directus', undefined],
  ['cms.example.com', 'must be an absolute URL'],
  ['ftp://cms.example.com', 'must start with http:// or https://'],
  ['https://admin:secret@cms.example.com', 'must not hold credentials'],
  ['https://cms.example.com/?access_token=x', 'without a query'],
])('url %s', (url, problem) => {
  const found = directusUrlProblem(url);
  if (problem === undefined) expect(found).toBeUndefined();
  else expect(found).toContain(problem);
});

describe('configureDirectus', () => {
  const at = ['platform', 0, 'directus', 0];
  const env = 'AUTHORITY_UNIT_DIRECTUS_TOKEN';
  afterEach(() => delete process.env[env]);

  test('a token from token_env gives an adapter of kind directus', () => {
    process.env[env] = 'tok';
    const { adapter, diagnostics } = configureDirectus('cms', { url: 'http://127.0.0.1:1', token_env: env }, at);
    expect(diagnostics).toEqual([]);
    expect(adapter).toBeInstanceOf(DirectusAdapter);
    expect(adapter!.kind).toBe('directus');
  });

  test('a token from the first line of token_file', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dx-token-')), 'token');
    fs.writeFileSync(file, 'tok\r\nignored\n');
    expect(configureDirectus('cms', { url: 'http://127.0.0.1:1', token_file: file }, at).adapter).toBeDefined();
  });

  test.each([
    ['no token', {}, 'needs a token', 'token_env'],
    ['both token settings', { token_env: env, token_file: '/x' }, 'not both', 'token_file'],
    ['an unset variable', { token_env: env }, `environment variable ${env} is not set`, 'token_env'],
    ['an unreadable file', { token_file: '/nonexistent/token' }, 'cannot read token_file', 'token_file'],
    ['a bad url', { url: 'cms', token_env: env }, 'url of platform "cms" must be an absolute URL', 'url'],
    ['a bad timeout', { token_env: env, connect_timeout: 0 }, 'connect_timeout of platform "cms" must be a whole number', 'connect_timeout'],
    ['an empty editor policy', { token_env: env, editor_policies: ['Editors', ' '] }, 'names an empty policy', ['editor_policies', 1]],
  ] as const)('%s is a diagnostic on its attribute', (_l, settings, summary, attribute) => {
    if (_l !== 'an unset variable') process.env[env] = 'tok';
    const { adapter, diagnostics } = configureDirectus('cms', { url: 'http://127.0.0.1:1', ...settings } as never, at);
    expect(adapter).toBeUndefined();
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0].summary).toContain(summary);
    expect(diagnostics[0].attribute).toEqual([...at, ...(Array.isArray(attribute) ? attribute : [attribute])]);
  });
});

test.each([
  ['no answer', new DirectusError('GET /permissions', 0, [], 'Directus at http://x did not answer GET /permissions: ECONNREFUSED'), PlatformUnreachableError, 'reachable from where terraform runs'],
  ['a refused token', new DirectusError('GET /collections', 401, ['INVALID_CREDENTIALS'], 'Directus refused GET /collections: 401'), PlatformUnreachableError, 'refused the provider\'s token'],
  ['a forbidden step', new DirectusError('PATCH /permissions/3', 403, ['FORBIDDEN'], 'Directus refused PATCH /permissions/3: 403'), PlatformRefusedError, 'PATCH /permissions/3'],
  ['something not found', new DirectusError('GET /fields/x', 404, ['ROUTE_NOT_FOUND'], 'Directus refused GET /fields/x: 404'), NotFoundError, 'GET /fields/x'],
  ['a bad payload', new DirectusError('POST /permissions', 400, ['INVALID_PAYLOAD'], 'Directus refused POST /permissions: 400'), PlatformRefusedError, 'POST /permissions'],
  ['the core\'s own refusal', new Error('Cannot protect Directus collection "c": no field'), PlatformRefusedError, 'no field'],
])('%s becomes the neutral error naming the platform', (_l, error, kind, says) => {
  const e = classifyDirectusError('cms', 'http://x', error) as Error & { platform: string };
  expect(e).toBeInstanceOf(kind);
  expect(e.platform).toBe('cms');
  expect(e.message).toContain(says);
});

test('a forbidden step advises an admin token; a diagnostic passes through unchanged', () => {
  const e = classifyDirectusError('cms', 'http://x', new DirectusError('PATCH /fields/c/f', 403, ['FORBIDDEN'], 'refused')) as PlatformRefusedError;
  expect(e.advice).toContain('needs admin access');
  const d = new DiagnosticError({ severity: 'error', summary: 's' });
  expect(classifyDirectusError('cms', 'http://x', d)).toBe(d);
});
