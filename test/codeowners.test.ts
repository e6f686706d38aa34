/**
 * `authority codeowners`: CODEOWNERS from the model. The committed file is current; a domain
 * that changes hands in code changes its owners, and `--check` says so until it is regenerated.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { authority, cloneProject, ROOT } from './gate-report-builder';

test('the committed CODEOWNERS gives each domain\'s file to its governing team, shared files to the platform team', async () => {
  const r = await authority(ROOT, 'codeowners', '--check');
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  const text = fs.readFileSync(path.join(ROOT, '.github', 'CODEOWNERS'), 'utf8');
  expect(text).toMatch(/^\/policies\/campaigns\.ts\s+@example\/marketing-ops$/m);
  expect(text).toMatch(/^\/policies\/billing\.ts\s+@example\/finance$/m);
  expect(text).toMatch(/^\/policies\/platforms\.ts\s+@example\/platform$/m);
});

describe('in a clone whose billing domain changes hands', () => {
  let project: string;
  beforeAll(() => {
    project = cloneProject();
    const billing = path.join(project, 'policies', 'billing.ts');
    fs.writeFileSync(billing, fs.readFileSync(billing, 'utf8').replace("governedBy: 'Finance'", "governedBy: 'Sales operations'"));
  });
  afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

  test('--check fails and shows the stale owner line until the file is regenerated', async () => {
    const stale = await authority(project, 'codeowners', '--check');
    expect(stale.code).toBe(1);
    expect(stale.err).toMatch(/- \/policies\/billing\.ts\s+@example\/finance/);
    expect(stale.err).toMatch(/\+ \/policies\/billing\.ts\s+@example\/sales-ops/);
    expect(stale.err).toContain('Run `npx authority codeowners` and commit the file.');

    expect((await authority(project, 'codeowners')).code).toBe(0);
    expect((await authority(project, 'codeowners', '--check')).code).toBe(0);
  });

  test('a governing team without a handle is bad input naming the team and the file', async () => {
    const billing = path.join(project, 'policies', 'billing.ts');
    fs.writeFileSync(billing, fs.readFileSync(billing, 'utf8').replace("governedBy: 'Sales operations'", "governedBy: 'Treasury'"));
    const r = await authority(project, 'codeowners', '--check');
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${path.join(project, 'authority.teams.json')}: team "Treasury" (governs domain billing in policies/billing.ts) has no handle. Add "Treasury": "@org/team-slug" under "teams".`);
  });
});
