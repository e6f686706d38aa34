/** The Directus protection's pure rules: field-list arithmetic, the note, the record key, the check. */
import {
  DirectusProtection, expandFields, protectionNote, recordId, restoredFields, sameFields, withProtected, withoutProtected,
} from '../provider/platforms/directus/protection-model';
import { AccessState, undone } from '../provider/platforms/directus/protection-read';
import { problemsOf } from '../provider/platforms/directus/protection-check';
import { HOSTILE_NAMES } from './support/hostile-names';

const ALL = ['id', 'name', 'status', 'owner'];

test.each([
  ['"*" becomes every other field', ['*'], ['*'], ['name'], [], ['id', 'status', 'owner']],
  ['an explicit list loses the field', ['id', 'name'], ['id', 'name'], ['name'], [], ['id']],
  ['a list without it stays', ['status'], ['status'], ['name'], [], ['status']],
  ['null (no fields) stays null', null, null, ['name'], [], null],
  ['a re-grant is taken away again', ['*'], ['id', 'name'], ['name'], [], ['id', 'status', 'owner']],
  ['a released field comes back when the prior had it', ['id'], ['*'], ['status'], ['name'], ['id', 'name']],
  ['a released field the prior lacked stays away', ['id'], ['id'], ['status'], ['name'], ['id']],
] as const)('withoutProtected: %s', (_l, current, prior, protectedFields, released, expected) => {
  expect(withoutProtected(current, prior, protectedFields, released, ALL)).toEqual(expected);
});

test.each([
  ['as apply left it: the prior exactly', ['id', 'status', 'owner'], { prior: ['*'], wrote: ['id', 'status', 'owner'] }, ['*']],
  ['apply wrote in another order', ['owner', 'id', 'status'], { prior: ['*'], wrote: ['id', 'status', 'owner'] }, ['*']],
  ['still as before apply', ['*'], { prior: ['*'], wrote: ['id'] }, ['*']],
  ['changed since: its fields plus ours it had', ['id'], { prior: ['*'], wrote: ['id', 'status', 'owner'] }, ['id', 'name']],
  ['changed since, ours not in the prior', ['id'], { prior: ['id', 'status'], wrote: ['id', 'status'] }, ['id']],
] as const)('restoredFields: %s', (_l, current, change, expected) => {
  expect(restoredFields(current, change, ['name'], ALL)).toEqual(expected);
});

test.each([
  [['*'], ['*']],
  [['name', 'id'], ['name', 'id']],
  [['id'], ['id', 'name']],
  [null, ['name']],
] as const)('withProtected(%j) = %j', (current, expected) => {
  expect(withProtected(current, ['name'], ALL)).toEqual(expected);
});

test('sameFields ignores order, not null', () => {
  expect(sameFields(['a', 'b'], ['b', 'a'])).toBe(true);
  expect(sameFields(null, [])).toBe(false);
  expect(sameFields(null, null)).toBe(true);
  expect(expandFields(['*'], ALL)).toEqual(ALL);
});

test('the note says who owns the fact and how to correct it', () => {
  expect(protectionNote({ fact: 'campaign.name', authority: 'crm', correctionHint: ' Correct it in the CRM. ' }))
    .toBe('campaign.name is owned by crm; only the sync writes it here. Correct it in the CRM.');
  expect(protectionNote({ fact: 'f', authority: 'a', correctionHint: '' })).toBe('f is owned by a; only the sync writes it here.');
  // A policy's hint already names the owner: it is not said twice.
  expect(protectionNote({ fact: 'campaign.name', authority: 'crm', correctionHint: 'campaign.name is owned by the CRM (crm). Correct it in the CRM.' }))
    .toBe('Read-only here: only the sync writes it. campaign.name is owned by the CRM (crm). Correct it in the CRM.');
});

test.each(HOSTILE_NAMES)('record keys are distinct and fixed-length for $label', ({ name }) => {
  const ids = new Set([recordId(name, 'k'), recordId('k', name), recordId(name + 'k', ''), recordId(name, 'k2')]);
  expect(ids.size).toBe(4);
  for (const id of ids) expect(id).toMatch(/^[0-9a-f]{64}$/);
});

const P: DirectusProtection = {
  collection: 'campaigns', key: 'k', fields: ['name'], authority: 'crm', syncPrincipal: 'Sync', correctionHint: 'Fix it in the CRM.', fact: 'campaign.name',
};
const state = (over: Partial<AccessState> = {}): AccessState => ({
  collectionExists: true,
  fields: ALL.map((field) => ({ field, type: 'string', meta: field === 'name' ? { note: protectionNote(P), readonly: true } : null })),
  permissions: [
    { id: 1, policy: 'ed', collection: 'campaigns', action: 'update', fields: ['id', 'status', 'owner'] },
    { id: 2, policy: 'ed', collection: 'campaigns', action: 'read', fields: ['*'] },
    { id: 3, policy: 'sy', collection: 'campaigns', action: 'update', fields: ['*'] },
  ],
  policies: [{ id: 'ed', name: 'Editors', admin_access: false }, { id: 'sy', name: 'Sync', admin_access: false }],
  ...over,
});

test.each([
  ['intact', state(), []],
  ['a read grant is not a write', state({ permissions: [...state().permissions, { id: 4, policy: 'ed', collection: 'campaigns', action: 'read', fields: ['name'] }] }), []],
  ['re-granted', state({ permissions: [{ ...state().permissions[0], fields: ['*'] }, ...state().permissions.slice(1)] }), ['policy "Editors" may update "name" again']],
  ['sync lost it', state({ permissions: state().permissions.slice(0, 2) }), ['the sync principal "Sync" may no longer update every protected field']],
  ['note and readonly', state({ fields: [{ field: 'name', type: 'string', meta: { note: 'x', readonly: false } }] }), ['the note of field "name" was changed', 'field "name" is no longer read-only']],
  ['field gone', state({ fields: [] }), ['field "name" is gone']],
] as const)('undone: %s', (_l, s, expected) => {
  expect(undone(s, P)).toEqual(expected);
});

test('an admin policy is a warning naming the PostgreSQL guard; missing parts are errors', () => {
  const admins = state({ policies: [...state().policies, { id: 'ad', name: 'Administrator', admin_access: true }] });
  expect(problemsOf(admins, P, [])).toEqual([{
    severity: 'warning',
    summary: 'Directus admins are not stopped by Directus: "Administrator" has admin access, which bypasses permissions',
    detail: 'Their users can still change "name" of "campaigns" in Directus; the PostgreSQL guard under Directus still stops them.',
  }]);
  expect(problemsOf(state(), { ...P, editorPolicies: ['Writers'], syncPrincipal: 'Nobody' }, [{ ...P, key: 'other', authority: 'erp' }]).map((x) => x.summary)).toEqual([
    '"name" of "campaigns" already protected by "other" (owned by erp)',
    'Directus has no policy "Nobody" (the sync principal)',
    'Directus has no policy "Writers" (named in editorPolicies)',
    'Directus policy "Sync" may still change "name" of "campaigns": not in editor_policies', // not the sync principal here
  ]);
  expect(problemsOf(state({ collectionExists: false }), P, [])).toMatchObject([{ severity: 'error', summary: 'Directus has no collection "campaigns"' }]);
});

test('with editor policies named, another policy that may still write a protected field is a warning naming it', () => {
  const withWriters = state({
    policies: [...state().policies, { id: 'mk', name: 'Marketing', admin_access: false }, { id: 'rd', name: 'Readers', admin_access: false }],
    permissions: [...state().permissions,
      { id: 5, policy: 'mk', collection: 'campaigns', action: 'update', fields: ['*'] },
      { id: 6, policy: 'rd', collection: 'campaigns', action: 'read', fields: ['*'] }],
  });
  expect(problemsOf(withWriters, { ...P, editorPolicies: ['Editors'] }, [])).toEqual([expect.objectContaining({
    severity: 'warning', summary: 'Directus policy "Marketing" may still change "name" of "campaigns": not in editor_policies',
  })]);
  expect(problemsOf(withWriters, P, [])).toEqual([]); // unset: every non-admin policy is covered
});

test('two protections of one "*" permission give "*" back, removed in either order, and never a field the other still holds', () => {
  const ALL3 = ['id', 'name', 'status'];
  const a = { prior: ['*'], wrote: ['id', 'status'] }; // protects name, first
  const b = { prior: ['id', 'status'], wrote: ['id'], base: ['*'] }; // protects status, on top
  // a first, then b
  const afterA = restoredFields(['id'], a, ['name'], ALL3);
  expect(afterA).toEqual(['id', 'name']);
  expect(restoredFields(afterA, b, ['status'], ALL3)).toEqual(['*']);
  // b first, then a
  const afterB = restoredFields(['id'], b, ['status'], ALL3);
  expect(afterB).toEqual(['id', 'status']);
  expect(restoredFields(afterB, a, ['name'], ALL3)).toEqual(['*']);
});
