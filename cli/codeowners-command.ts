/** `authority codeowners`: writes (or checks) CODEOWNERS from the model and the team directory. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TeamDirectory } from '../review/approvals-teams';
import { codeownersDiff, renderCodeowners } from '../review/codeowners';
import { domainFiles } from '../review/codeowners-model';
import type { Command } from './command';
import { parseOptions, single, withInputErrors } from './gate-command';

/** The project's folder inside its git repository ("" at the root, or outside git). */
function repositoryPrefix(projectDir: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--show-prefix'], { cwd: projectDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export const codeownersCommand: Command = {
  name: 'codeowners',
  summary: 'Write CODEOWNERS from the model: each domain\'s policy file to its governing team',
  help: [
    'usage: authority codeowners [--check] [--out FILE] [--teams FILE]',
    '',
    'Each Domain\'s file under policies/ is owned by its governing team(s); the shared files',
    '(authority.teams.json "sharedFiles") by the platform team. Handles come from authority.teams.json.',
    '',
    'Options:',
    '  --check        write nothing; exit 1 when FILE is not what would be generated (for CI)',
    '  --out FILE     the CODEOWNERS file (default .github/CODEOWNERS)',
    '  --teams FILE   the team directory (default authority.teams.json)',
  ].join('\n'),
  run: (args, io) => withInputErrors('codeowners', io, () => {
    const options = parseOptions(args, ['--check', '--out', '--teams']);
    const outArg = single(options, '--out') ?? path.join('.github', 'CODEOWNERS');
    const out = path.resolve(io.cwd, outArg);
    const teams = TeamDirectory.inProject(io.cwd, single(options, '--teams'));
    const text = renderCodeowners(domainFiles(io.cwd), teams, io.cwd, repositoryPrefix(io.cwd), path.relative(io.cwd, out).split(path.sep).join('/'));
    if (!options.has('--check')) {
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, text);
      io.out(`authority codeowners: wrote ${path.relative(io.cwd, out)}.`);
      return 0;
    }
    const committed = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : undefined;
    if (committed === text) {
      io.out(`authority codeowners: ${path.relative(io.cwd, out)} is current.`);
      return 0;
    }
    io.err([
      committed === undefined
        ? `authority codeowners: ${path.relative(io.cwd, out)} does not exist.`
        : `authority codeowners: ${path.relative(io.cwd, out)} is not what the model says:`,
      ...(committed === undefined ? [] : codeownersDiff(committed, text).map((l) => `  ${l}`)),
      'Run `npx authority codeowners` and commit the file.',
    ].join('\n'));
    return 1;
  }),
};
