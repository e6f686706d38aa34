/** The Tryton kind without a server: its block's settings, the names it refuses, the rules it wants, its errors. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ObjectValue } from '../provider/framework';
import { NotFoundError, PlatformRefusedError, PlatformUnreachableError } from '../provider/platforms/errors';
import { tryton } from '../provider/platforms/tryton';
import { placementProblems } from '../provider/platforms/tryton/adapter';
import { TrytonError, faultOf } from '../provider/platforms/tryton/client';
import { classifyTrytonError } from '../provider/platforms/tryton/errors-of';
import {
  AccessRule, TrytonProtection, helpTargets, isOwnRule, openingRules, protectedHelp, ruleDescription, ruleMatches, wantedRule,
} from '../provider/platforms/tryton/protection-model';
import { undone } from '../provider/platforms/tryton/protection-read';
import { PlatformConnection } from '../constructs/src';
import { HOSTILE_NAMES } from './support/hostile-names';

const AT = ['platform', 0, 'tryton', 0];
const settings = (over: ObjectValue = {}): ObjectValue => ({
  url: 'http://127.0.0.1:8000', database: 'crm', user: null, password_env: 'TRYTON_TEST_PASSWORD', password_file: null, editor_groups: null, connect_timeout: null, ...over,
});

describe('the tryton block', () => {
  beforeEach(() => { process.env.TRYTON_TEST_PASSWORD = 'secret-password'; });
  afterEach(() => { delete process.env.TRYTON_TEST_PASSWORD; });

  test('configures an adapter of kind tryton from a password in the environment', () => {
    const { adapter, diagnostics } = tryton.configure('crm', settings(), AT);
    expect(diagnostics).toEqual([]);
    expect(adapter?.kind).toBe('tryton');
  });

  test('a missing variable, both password sources, a bad URL and a bad timeout name their attribute; the password never shows', () => {
    delete process.env.TRYTON_TEST_PASSWORD;
    const missing = tryton.configure('crm', settings(), AT).diagnostics;
    expect(missing[0].attribute).toEqual([...AT, 'password_env']);
    expect(missing[0].summary).toContain('TRYTON_TEST_PASSWORD is not set');
    process.env.TRYTON_TEST_PASSWORD = 'secret-password';
    const both = tryton.configure('crm', settings({ password_file: '/x' }), AT).diagnostics;
    expect(both[0].attribute).toEqual([...AT, 'password_file']);
    const url = tryton.configure('crm', settings({ url: 'http://admin:secret-password@h' }), AT).diagnostics;
    expect(url[0].attribute).toEqual([...AT, 'url']);
    expect(JSON.stringify(url)).not.toContain('secret-password');
    expect(tryton.configure('crm', settings({ connect_timeout: 0 }), AT).diagnostics[0].attribute).toEqual([...AT, 'connect_timeout']);
  });

  test('reads the first line of password_file', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tryton-kind-')), 'pw');
    fs.writeFileSync(file, 'from-file\nignored\n');
    expect(tryton.configure('crm', settings({ password_env: null, password_file: file }), AT).adapter).toBeDefined();
  });
});

describe('names', () => {
  test('every hostile name is a text Tryton can hold; a NUL byte is refused', () => {
    for (const h of HOSTILE_NAMES) expect(tryton.checkName('text', 'key', h.name, 'x')).toBeUndefined();
    expect(tryton.checkName('text', 'key', 'a\0b', 'x')?.summary).toContain('NUL');
  });

  test('models and fields are named as Tryton names them, and there is no schema', () => {
    const loc = (container: string, namespace = 'public') => ({ namespace, container });
    expect(placementProblems(loc('party.party'), ['name', 'code'])).toEqual([]);
    expect(placementProblems(loc('party.party', 'crm'), [])[0].attribute).toEqual(['schema']);
    expect(placementProblems(loc('Party Party'), ['name'])[0].attribute).toEqual(['table']);
    expect(placementProblems(loc('party.party'), ['Name'])[0].attribute).toEqual(['columns']);
  });
});

describe('the rules a protection wants', () => {
  const p: TrytonProtection = { model: 'party.party', key: 'party_name', fields: ['name'], authority: 'crm', syncPrincipal: 'Authority sync', correctionHint: 'Correct it in the CRM.', fact: 'party.name' };
  const rule = (over: Partial<AccessRule>): AccessRule => ({
    id: 1, field: 10, group: null, active: true, perm_read: true, perm_write: false, perm_create: true, perm_delete: true, description: null, ...over,
  });

  test('people read but do not write; the sync group writes; both carry the correction path', () => {
    expect(wantedRule(p, null, false)).toMatchObject({ group: null, perm_read: true, perm_write: false, active: true });
    expect(wantedRule(p, 7, true)).toMatchObject({ group: 7, perm_write: true });
    expect(ruleDescription(p, false)).toContain('Correct it in the CRM.');
  });

  test('a rule is its own when recorded or marked; other rules letting a group write open the field', () => {
    const own = rule({ id: 5, ...wantedRule(p, null, false) });
    expect(isOwnRule(own, p, [])).toBe(true);
    expect(isOwnRule(rule({ id: 6 }), p, [6])).toBe(true);
    expect(isOwnRule(rule({ id: 6 }), p, [])).toBe(false);
    expect(openingRules([rule({ group: 3, perm_write: true }), rule({ group: 7, perm_write: true }), rule({ group: 4, perm_write: true, active: false })], 7).map((r) => r.group)).toEqual([3]);
    expect(ruleMatches(own, wantedRule(p, null, false))).toBe(true);
    expect(ruleMatches({ ...own, perm_write: true }, wantedRule(p, null, false))).toBe(false);
  });

  test('the note lands at the end of each language\'s last help part, after the text as it was', () => {
    const helps = [{ id: 1, lang: 'en', src: 'A', value: '' }, { id: 2, lang: 'en', src: 'B', value: '' }, { id: 3, lang: 'fr', src: 'A', value: 'Un' }];
    expect(helpTargets(helps).map((h) => h.id)).toEqual([2, 3]);
    expect(protectedHelp(helps[1], '', 'NOTE')).toBe('B\nNOTE');
    expect(protectedHelp(helps[2], 'Un', 'NOTE')).toBe('Un\nNOTE');
  });

  test('read back names what was undone by hand', () => {
    const state = {
      modelId: 1, groups: [{ id: 7, name: 'Authority sync' }, { id: 3, name: 'Sales' }],
      fields: [{ id: 10, name: 'name', helps: [], rules: [rule({ id: 1, ...wantedRule(p, null, false), perm_write: true }), rule({ id: 2, field: 10, ...wantedRule(p, 7, true) })] }],
    };
    const record = { version: 1 as const, declared: p, fields: { name: { created: [1, 2], narrowed: [], help: {} } } };
    expect(undone(state, record).join('\n')).toContain('the rule keeping everyone from writing "name" was changed or deleted');
  });
});

describe('errors', () => {
  test('no answer and a refused login are unreachable, naming the platform; a refusal keeps Tryton\'s words', () => {
    const none = classifyTrytonError('crm', 'http://h', 'crm', new TrytonError('m', 0, undefined, 'no answer'));
    expect(none).toBeInstanceOf(PlatformUnreachableError);
    expect(none.message).toContain('"crm"');
    expect(classifyTrytonError('crm', 'http://h', 'crm', new TrytonError('m', 401, undefined, 'x'))).toBeInstanceOf(PlatformUnreachableError);
    const fault = faultOf('model.party.party.write', 200, ['UserError', ['You are not allowed to access "Party.Name".', '', null]]);
    expect(fault.message).toContain('You are not allowed to access "Party.Name".');
    expect(classifyTrytonError('crm', 'http://h', 'crm', fault)).toBeInstanceOf(PlatformRefusedError);
    expect(classifyTrytonError('crm', 'http://h', 'crm', new NotFoundError('crm', 'x'))).toBeInstanceOf(NotFoundError);
  });
});

describe('PlatformConnection.tryton', () => {
  test('makes the tryton block; refuses a connection without a password reference, naming the prop', () => {
    const c = PlatformConnection.tryton({ url: 'https://erp.example.com', database: 'crm', passwordEnv: 'P' });
    expect(c.providerKind).toBe('tryton');
    expect(c.toProviderPlatform('crm')).toEqual({ name: 'crm', tryton: [{ url: 'https://erp.example.com', database: 'crm', passwordEnv: 'P' }] });
    expect(() => PlatformConnection.tryton({ url: 'https://erp.example.com', database: 'crm' })).toThrow(/passwordEnv or passwordFile/);
  });
});
