/**
 * Tryton's block in the provider configuration, `platform { name = "crm" tryton { ... } }`: its
 * schema, and its settings parsed and checked into an adapter. The password never appears in the
 * configuration: it names an environment variable or a file, and the password is read here, in
 * the provider process, only to log in.
 */
import * as fs from 'node:fs';
import { BlockSchema, Diagnostic, DiagnosticError, ObjectValue, PathStep } from '../../framework';
import { KindConfiguration } from '../kind';
import { TrytonAdapter } from './adapter';

export const DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;
export const DEFAULT_USER = 'admin';

export const trytonBlock: BlockSchema = {
  description: 'The platform is a Tryton (6.x) server: how the provider reaches its JSON-RPC.',
  attributes: {
    url: { type: 'string', required: true, description: 'Base URL of trytond, e.g. "https://erp.example.com" (http or https, no credentials in it).' },
    database: { type: 'string', required: true, description: 'The Tryton database the protected models are in.' },
    user: {
      type: 'string', optional: true,
      description: `Login of the Tryton user the provider acts as; it must be in the Administration group (it changes field access rules). Default "${DEFAULT_USER}".`,
    },
    password_env: {
      type: 'string', optional: true,
      description: 'Name of the environment variable that holds that user\'s password. The password itself never enters the configuration, plan or state.',
    },
    password_file: { type: 'string', optional: true, description: 'Path of a file whose first line is the password (an alternative to password_env).' },
    editor_groups: {
      type: ['list', 'string'], optional: true,
      description: 'Names of the Tryton groups of the people who must not change protected fields. Default: everyone but the sync principal\'s group ' +
        '(one rule without a group, which also holds administrators and users in no group).',
    },
    connect_timeout: { type: 'number', optional: true, description: `Seconds to wait for each answer from Tryton. Default ${DEFAULT_CONNECT_TIMEOUT_SECONDS}.` },
  },
};

/** Parses and checks the settings of Tryton platform `name`; `at` is its block's path. */
export function configureTryton(name: string, tr: ObjectValue, at: PathStep[]): KindConfiguration {
  const diags: Diagnostic[] = [];
  const timeout = tr.connect_timeout;
  if (timeout !== null && timeout !== undefined && (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1 || timeout > 3600)) {
    diags.push({ severity: 'error', summary: `connect_timeout of platform "${name}" must be a whole number from 1 to 3600; got ${String(timeout)}`, attribute: [...at, 'connect_timeout'] });
  }
  const urlProblem = trytonUrlProblem(tr.url as string);
  if (urlProblem) diags.push({ severity: 'error', summary: `url of platform "${name}" ${urlProblem}`, attribute: [...at, 'url'] });
  for (const attr of ['database', 'user'] as const) {
    const v = tr[attr];
    if (typeof v === 'string' && (v.trim() === '' || v.includes('\0'))) diags.push({ severity: 'error', summary: `${attr} of platform "${name}" must be a name, not empty`, attribute: [...at, attr] });
  }
  const groups = (tr.editor_groups as string[] | null) ?? undefined;
  groups?.forEach((g, i) => {
    if (typeof g === 'string' && g.trim() === '') diags.push({ severity: 'error', summary: `editor_groups of platform "${name}" names an empty group`, attribute: [...at, 'editor_groups', i] });
  });
  if (diags.length) return { diagnostics: diags };
  try {
    const adapter = new TrytonAdapter(name, {
      url: tr.url as string,
      database: tr.database as string,
      user: (tr.user as string | null) ?? DEFAULT_USER,
      password: readPassword(name, tr, at),
      timeoutMs: ((timeout as number | null) ?? DEFAULT_CONNECT_TIMEOUT_SECONDS) * 1000,
      editorGroups: groups,
    });
    return { adapter, diagnostics: diags };
  } catch (e) {
    if (e instanceof DiagnosticError) return { diagnostics: [e.diagnostic] };
    throw e;
  }
}

/** What is wrong with a configured Tryton URL, as the end of a sentence; undefined when it is usable. */
export function trytonUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `must be an absolute URL such as "https://erp.example.com"; got ${JSON.stringify(url)}`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `must start with http:// or https://; got ${JSON.stringify(parsed.protocol)}`;
  if (parsed.username || parsed.password) return 'must not hold credentials: put the password in the variable password_env names, or in password_file';
  if (parsed.search || parsed.hash) return 'must be the base URL of trytond, without a query or fragment';
  return undefined;
}

function readPassword(platform: string, tr: ObjectValue, at: PathStep[]): string {
  const envName = tr.password_env as string | null;
  const file = tr.password_file as string | null;
  const fail = (summary: string, attribute: string, detail?: string): never => {
    throw new DiagnosticError({ severity: 'error', summary: `Platform "${platform}": ${summary}`, detail, attribute: [...at, attribute] });
  };
  if (envName && file) fail('set password_env or password_file, not both', 'password_file');
  if (envName) {
    const value = process.env[envName];
    if (value === undefined || value === '') {
      fail(`environment variable ${envName} is not set`, 'password_env',
        `password_env names ${envName}, but terraform runs without it. Export it where terraform runs (a CI secret, or your shell).`);
    }
    return value!;
  }
  if (file) {
    let password = '';
    try {
      password = fs.readFileSync(file, 'utf8').split(/\r?\n/)[0];
    } catch (e) {
      fail('cannot read password_file', 'password_file', `${(e as Error).message}. Point password_file at a readable file whose first line is the password.`);
    }
    if (password === '') fail('password_file is empty', 'password_file', 'Its first line must be the password of the provider\'s Tryton user.');
    return password;
  }
  return fail('needs a password', 'password_env',
    'Tryton answers the provider only after a login: set password_env (the name of an environment variable holding the password of the user) or password_file.');
}
