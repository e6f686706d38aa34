/**
 * Directus's block in the provider configuration, `platform { name = "cms" directus { ... } }`:
 * its schema, and its settings parsed and checked into an adapter. The token never appears in the
 * configuration: it names an environment variable or a file, and the token is read here, in the
 * provider process, only to authenticate its requests.
 */
import * as fs from 'node:fs';
import { BlockSchema, Diagnostic, DiagnosticError, ObjectValue, PathStep } from '../../framework';
import { KindConfiguration } from '../kind';
import { DirectusAdapter } from './adapter';

export const DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;

export const directusBlock: BlockSchema = {
  description: 'The platform is a Directus (11.x) instance: how the provider reaches its REST API.',
  attributes: {
    url: { type: 'string', required: true, description: 'Base URL of Directus, e.g. "https://cms.example.com" (http or https, no credentials in it).' },
    token_env: {
      type: 'string', optional: true,
      description: 'Name of the environment variable that holds a static token of a Directus user with admin access (the provider ' +
        'changes permissions and field meta). The token itself never enters the configuration, plan or state.',
    },
    token_file: { type: 'string', optional: true, description: 'Path of a file whose first line is the token (an alternative to token_env).' },
    editor_policies: {
      type: ['list', 'string'], optional: true,
      description: 'Names of the Directus policies of the people who must not change protected fields. Default: every policy without ' +
        'admin access other than the sync principal\'s.',
    },
    connect_timeout: { type: 'number', optional: true, description: `Seconds to wait for each answer from Directus. Default ${DEFAULT_CONNECT_TIMEOUT_SECONDS}.` },
  },
};

/** Parses and checks the settings of Directus platform `name`; `at` is its block's path. */
export function configureDirectus(name: string, dx: ObjectValue, at: PathStep[]): KindConfiguration {
  const diags: Diagnostic[] = [];
  const timeout = dx.connect_timeout;
  if (timeout !== null && timeout !== undefined && (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1 || timeout > 3600)) {
    diags.push({ severity: 'error', summary: `connect_timeout of platform "${name}" must be a whole number from 1 to 3600; got ${String(timeout)}`, attribute: [...at, 'connect_timeout'] });
  }
  const urlProblem = directusUrlProblem(dx.url as string);
  if (urlProblem) diags.push({ severity: 'error', summary: `url of platform "${name}" ${urlProblem}`, attribute: [...at, 'url'] });
  const policies = (dx.editor_policies as string[] | null) ?? undefined;
  policies?.forEach((p, i) => {
    if (typeof p === 'string' && p.trim() === '') diags.push({ severity: 'error', summary: `editor_policies of platform "${name}" names an empty policy`, attribute: [...at, 'editor_policies', i] });
  });
  if (diags.length) return { diagnostics: diags };
  try {
    const adapter = new DirectusAdapter(name, {
      url: dx.url as string,
      token: readToken(name, dx, at),
      timeoutMs: ((timeout as number | null) ?? DEFAULT_CONNECT_TIMEOUT_SECONDS) * 1000,
      editorPolicies: policies,
    });
    return { adapter, diagnostics: diags };
  } catch (e) {
    if (e instanceof DiagnosticError) return { diagnostics: [e.diagnostic] };
    throw e;
  }
}

/** What is wrong with a configured Directus URL, as the end of a sentence; undefined when it is usable. */
export function directusUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `must be an absolute URL such as "https://cms.example.com"; got ${JSON.stringify(url)}`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `must start with http:// or https://; got ${JSON.stringify(parsed.protocol)}`;
  if (parsed.username || parsed.password) return 'must not hold credentials: put the token in the variable token_env names, or in token_file';
  if (parsed.search || parsed.hash) return 'must be the base URL of Directus, without a query or fragment';
  return undefined;
}

function readToken(platform: string, dx: ObjectValue, at: PathStep[]): string {
  const envName = dx.token_env as string | null;
  const file = dx.token_file as string | null;
  const fail = (summary: string, attribute: string, detail?: string): never => {
    throw new DiagnosticError({ severity: 'error', summary: `Platform "${platform}": ${summary}`, detail, attribute: [...at, attribute] });
  };
  if (envName && file) fail('set token_env or token_file, not both', 'token_file');
  if (envName) {
    const value = process.env[envName];
    if (value === undefined || value === '') {
      fail(`environment variable ${envName} is not set`, 'token_env',
        `token_env names ${envName}, but terraform runs without it. Export it where terraform runs (a CI secret, or your shell).`);
    }
    return value!;
  }
  if (file) {
    let token = '';
    try {
      token = fs.readFileSync(file, 'utf8').split(/\r?\n/)[0].trim();
    } catch (e) {
      fail('cannot read token_file', 'token_file', `${(e as Error).message}. Point token_file at a readable file whose first line is the token.`);
    }
    if (token === '') fail('token_file is empty', 'token_file', 'Its first line must be the static token of a Directus user with admin access.');
    return token;
  }
  return fail('needs a token', 'token_env',
    'Directus answers the provider only with a token: set token_env (the name of an environment variable holding a static token of a Directus admin) or token_file.');
}
