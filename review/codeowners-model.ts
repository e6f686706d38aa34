/**
 * Who governs which policy file: each Domain of the organization (policies/index.ts's
 * defineOrganization), the file that defines its class, and its governing teams (the domain's and
 * any policy's own). Read in a child Node process that loads the policies from source, so the
 * answer is the code as it is now (not as the CLI bundle was built) and each class is found in
 * the module that exports it, never guessed from a file name.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { InputError } from './gate-errors';

export interface DomainFile {
  readonly domain: string;
  /** The file that defines the Domain's class, relative to the project ("policies/campaigns.ts"). */
  readonly file: string;
  /** The domain's team first, then other teams that govern facts declared in it. */
  readonly teams: readonly string[];
}

// Runs in the child: a TypeScript require hook (transpile only), placeholder hosts for platform
// connections (no connection is made: only who governs what is read), the organization built on an
// App that is never synthesized, and each Domain's class looked up among the modules' exports.
const LOADER = String.raw`
const fs = require('fs'), path = require('path'), os = require('os');
const cwd = process.cwd();
const ts = require(require.resolve('typescript', { paths: [cwd] }));
require.extensions['.ts'] = (module, filename) => {
  const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(out.outputText, filename);
};
const env = process.env;
process.env = new Proxy(env, { get: (t, k) => (typeof k === 'string' && /^AUTHORITY_.+_PGHOST$/.test(k) && t[k] === undefined) ? 'codeowners.invalid' : t[k] });
const { App } = require(require.resolve('cdktf', { paths: [cwd] }));
const policies = path.join(cwd, 'policies');
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-codeowners-'));
const app = new App({ outdir });
require(policies).defineOrganization(app);
fs.rmSync(outdir, { recursive: true, force: true });
const DOMAIN = Symbol.for('@authority/constructs.Domain');
const POLICY = Symbol.for('@authority/constructs.AuthorityPolicy');
const modules = Object.values(require.cache).filter((m) => m.filename.startsWith(policies + path.sep));
const result = app.node.children.filter((c) => c[DOMAIN] === true).map((d) => {
  let defining = modules.filter((m) => Object.values(m.exports || {}).includes(d.constructor));
  if (defining.length > 1) defining = defining.filter((m) => new RegExp('class\\s+' + d.constructor.name + '\\b').test(fs.readFileSync(m.filename, 'utf8')));
  const teams = [d.governedBy, ...d.node.findAll().filter((c) => c[POLICY] === true).map((p) => p.governedBy)];
  return { domain: d.node.id, className: d.constructor.name, files: defining.map((m) => path.relative(cwd, m.filename)), teams: [...new Set(teams.filter(Boolean))] };
});
process.stdout.write(JSON.stringify(result));
`;

/** The Domains of the project in `projectDir`, each with its file and teams. */
export function domainFiles(projectDir: string): DomainFile[] {
  let out: string;
  try {
    out = execFileSync(process.execPath, ['-e', LOADER], { cwd: projectDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const stderr = String((e as { stderr?: string }).stderr ?? '');
    const why = stderr.split('\n').find((l) => /Error/.test(l)) ?? (e as Error).message;
    throw new InputError(`cannot read the organization from ${path.join(projectDir, 'policies')} (its defineOrganization): ${why.trim()}`);
  }
  const found = JSON.parse(out) as { domain: string; className: string; files: string[]; teams: string[] }[];
  return found.map((d) => {
    if (d.files.length !== 1) {
      throw new InputError(
        `domain ${d.domain}: its class ${d.className} is exported by ${d.files.length === 0 ? 'no file' : d.files.join(' and ')} under policies/. ` +
        'Define each Domain as a class exported from its own file (policies/<domain>.ts), so its owners can be told.',
      );
    }
    return { domain: d.domain, file: d.files[0].split(path.sep).join('/'), teams: d.teams };
  });
}
