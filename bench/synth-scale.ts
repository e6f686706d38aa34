/**
 * Synth at organization scale: how synth time and the reviewed unit grow from 1,000 to 10,000
 * governed fields. Each field lives on its authority and two copies; one policy per concept.
 * Prints measured figures and ratios; run with `npm run bench`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdktf';
import {
  AuthorityPolicy, Concept, Copy, CorrectionPath, Domain, Platform, PlatformConnection, PlatformKind,
} from '../constructs/src';

const FIELDS_PER_CONCEPT = 10;
const CONCEPTS_PER_DOMAIN = 50;

function platform(name: string, kind: PlatformKind): Platform {
  return new Platform({ name, kind, connection: PlatformConnection.postgresql({ host: `${name}.internal`, database: name, username: 'owner' }) });
}

function synthOrganization(fields: number): { seconds: number; resources: number; routes: number; stacks: number; largestStackBytes: number } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-bench-'));
  const started = process.hrtime.bigint();
  const app = new App({ outdir });
  const [crm, ops, bi] = [platform('crm', PlatformKind.CRM), platform('ops', PlatformKind.INTERNAL_TOOL), platform('bi', PlatformKind.BI)];
  const concepts = fields / FIELDS_PER_CONCEPT;
  for (let d = 0; d < concepts / CONCEPTS_PER_DOMAIN; d++) {
    const domain = new Domain(app, `domain-${d}`, { governedBy: `Team ${d}` });
    for (let c = 0; c < CONCEPTS_PER_DOMAIN; c++) {
      const table = `t${d}_${c}`;
      const concept = new Concept(domain, `Concept${c}`);
      for (let f = 0; f < FIELDS_PER_CONCEPT; f++) {
        concept.addField(`f${f}`, crm.at(`${table}.f${f}`), ops.at(`${table}.f${f}`), bi.at(`${table}.f${f}`));
      }
      new AuthorityPolicy(domain, `policy-${c}`, {
        concept, authority: crm, origin: crm, copies: [Copy.readOnly(ops), Copy.readOnly(bi)],
        correction: CorrectionPath.at(crm, { how: 'edit it in the CRM' }),
      });
    }
  }
  app.synth();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const stacksDir = path.join(outdir, 'stacks');
  let resources = 0;
  let routes = 0;
  let largestStackBytes = 0;
  const stackNames = fs.readdirSync(stacksDir);
  for (const s of stackNames) {
    const text = fs.readFileSync(path.join(stacksDir, s, 'cdk.tf.json'), 'utf8');
    largestStackBytes = Math.max(largestStackBytes, text.length);
    const json = JSON.parse(text);
    resources += Object.keys(json.resource?.authority_field_protection ?? {}).length;
    routes += Object.keys(json.resource?.authority_sync_route ?? {}).length;
  }
  fs.rmSync(outdir, { recursive: true, force: true });
  return { seconds, resources, routes, stacks: stackNames.length, largestStackBytes };
}

synthOrganization(500); // warm up the module cache and the JIT
const small = synthOrganization(1_000);
const large = synthOrganization(10_000);
const row = (n: number, r: typeof small) =>
  `| ${n.toLocaleString('en')} | ${r.stacks} | ${r.resources.toLocaleString('en')} | ${r.routes.toLocaleString('en')} | ${r.seconds.toFixed(2)} s | ${(r.largestStackBytes / 1024).toFixed(0)} KiB |`;
console.log('| governed fields | stacks (domains) | protections | sync routes | synth | largest stack JSON |');
console.log('|---|---|---|---|---|---|');
console.log(row(1_000, small));
console.log(row(10_000, large));
console.log(`\nsynth time ratio 10,000 / 1,000 fields: ${(large.seconds / small.seconds).toFixed(1)} (linear is 10)`);
console.log(`governed fields per resource: ${(10_000 / (large.resources + large.routes)).toFixed(1)} (one protection per holder table, one route per copy table)`);
