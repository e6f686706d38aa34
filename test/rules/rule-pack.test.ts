/** The pack as a whole: every rule file is in it, ids come from file names, decisions are pinned. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RuleLevel, Rules } from '../../constructs/src';
import { defineOrganization } from '../../policies';
import { expectClean, newApp, synthApp } from './harness';

const RULES_DIR = path.join(__dirname, '..', '..', 'constructs', 'src', 'rules');
const ruleFiles = fs.readdirSync(RULES_DIR).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, '')).sort();

test('every file in constructs/src/rules is one rule of the pack, its id taken from the file name', () => {
  expect(Rules.all().map((r) => r.id).sort()).toEqual(ruleFiles);
  for (const id of ruleFiles) {
    expect([id, fs.readFileSync(path.join(RULES_DIR, `${id}.ts`), 'utf8').includes(`id: '${id}',`)]).toEqual([id, true]);
  }
});

test('every rule has a test file next to this one', () => {
  const missing = ruleFiles.filter((id) => !fs.existsSync(path.join(__dirname, `${id}.test.ts`)));
  expect(missing).toEqual([]);
});

test('every rule says what it checks, why it matters and what to do', () => {
  for (const rule of Rules.all()) {
    expect([rule.id, rule.summary.length > 10, rule.explanation.length > 60, rule.advice.length > 20]).toEqual([rule.id, true, true, true]);
  }
});

test('levels and suppressibility, as decided (rules that protect data cannot be suppressed)', () => {
  const table = Object.fromEntries(Rules.all().map((r) => [r.id, `${r.level}${r.suppressible ? '' : ', unsuppressible'}`]));
  expect(table).toEqual({
    'no-authority': 'error',
    'two-authorities': 'error, unsuppressible',
    'record-key-missing': 'warning',
    'reporting-authority': 'error',
    'two-way-newest-wins': 'error, unsuppressible',
    'two-writers': 'error, unsuppressible',
    'invalid-split': 'error, unsuppressible',
    'sync-loop': 'error, unsuppressible',
    'undeclared-chain': 'error, unsuppressible',
    'copy-on-authority': 'error, unsuppressible',
    'duplicate-copy': 'error, unsuppressible',
    'copy-location-missing': 'error, unsuppressible',
    'guard-collision': 'error, unsuppressible',
    'mapped-route-shared': 'error, unsuppressible',
    'local-override': 'error, unsuppressible',
    'newest-wins-one-writer': 'error',
    'correction-path-missing': 'error',
    'correction-path-not-authority': 'error, unsuppressible',
    'mixed-origins': 'error',
    'origin-missing': 'error',
    'governing-team-missing': 'error',
    'fed-from-override': 'warning',
    'authority-location-missing': 'warning',
    'unlabeled-holder': 'warning',
  });
  expect(Rules.all().filter((r) => r.level === RuleLevel.WARNING).every((r) => r.suppressible)).toBe(true);
});

test('Rules.find accepts the id with or without the "authority/" prefix, and names the rules when it does not know one', () => {
  expect(Rules.find('authority/sync-loop').id).toBe('sync-loop');
  expect(Rules.find('sync-loop').id).toBe('sync-loop');
  expect(() => Rules.find('sync-loops')).toThrow(/No authority rule "sync-loops"\. The rules are: no-authority, two-authorities/);
});

test('the example organization in policies/ complies with its own rules', () => {
  const names = ['CRM', 'CMS', 'OPS', 'ERP', 'SUPPORT', 'BI'];
  const saved = Object.fromEntries(names.map((n) => [n, process.env[`AUTHORITY_${n}_PGHOST`]]));
  names.forEach((n) => { process.env[`AUTHORITY_${n}_PGHOST`] = 'localhost'; });
  try {
    const { app, outdir } = newApp();
    defineOrganization(app);
    expectClean(synthApp(app, outdir));
  } finally {
    names.forEach((n) => {
      if (saved[n] === undefined) delete process.env[`AUTHORITY_${n}_PGHOST`];
      else process.env[`AUTHORITY_${n}_PGHOST`] = saved[n];
    });
  }
});
