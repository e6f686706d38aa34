/**
 * A stack for the floor provider (floor-provider.ts): the same number of resources as a bench
 * domain, each with one of the domain's protection configurations, on a provider that does no
 * platform work. Terraform finds the provider through a development override (no mirror, no init
 * download), in a CLI configuration of its own.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROJECT_DIR } from '../tooling/paths';

const SOURCE = 'authority.local/bench/floor';

/** Builds the floor provider (with its code cache, as the real one starts) and returns its CLI configuration file. */
export function buildFloorProvider(): string {
  const dir = path.join(PROJECT_DIR, 'dist', 'bench', 'floor');
  const script = `import { buildProvider } from ${JSON.stringify(path.join(PROJECT_DIR, 'scripts', 'build-provider.mjs'))};
await buildProvider({ entry: ${JSON.stringify(path.join(PROJECT_DIR, 'bench', 'floor-provider.ts'))},
  outfile: ${JSON.stringify(path.join(dir, 'terraform-provider-floor'))}, codeCache: true });`;
  execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: PROJECT_DIR, stdio: ['ignore', 'ignore', 'inherit'] });
  const rc = path.join(dir, 'terraformrc');
  fs.writeFileSync(rc, `provider_installation {\n  dev_overrides {\n    ${JSON.stringify(SOURCE)} = ${JSON.stringify(dir)}\n  }\n  direct {}\n}\n`);
  return rc;
}

/** `resources` floor items in a folder of their own, configured like the protections of the domain stack in `domainDir`. */
export function floorStack(root: string, domainDir: string, resources: number): string {
  const dir = path.join(root, `floor-${resources}`);
  fs.mkdirSync(dir, { recursive: true });
  const domain = JSON.parse(fs.readFileSync(path.join(domainDir, 'cdk.tf.json'), 'utf8'));
  const configs = Object.values<Record<string, unknown>>(domain.resource.authority_field_protection)
    .map(({ depends_on: _d, lifecycle: _l, provider: _p, ...config }) => config);
  const resource: Record<string, unknown> = {};
  for (let i = 0; i < resources; i++) {
    const config = configs[i % configs.length];
    resource[`r${i}`] = { ...config, key: `${String(config.key ?? 'k')}-${i}` };
  }
  fs.writeFileSync(path.join(dir, 'main.tf.json'), JSON.stringify({
    terraform: { required_providers: { floor: { source: SOURCE } } },
    provider: { floor: [{}] },
    resource: { floor_item: resource },
  }));
  return dir;
}
