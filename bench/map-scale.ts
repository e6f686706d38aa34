/**
 * The authority map at organization scale: building the map of a generated 1,000- and
 * 10,000-field model (each field on its authority and two copies, one policy per concept of 10
 * fields), checking it against its schema, and rendering each format. Measures and prints; no
 * time is asserted. Run: npx esbuild bench/map-scale.ts --bundle --platform=node --packages=external
 * --outfile=dist/bench/map-scale.js && node dist/bench/map-scale.js
 */
import { App } from 'cdktf';
import { AuthorityPolicy, Concept, Copy, CorrectionPath, Domain, Ownership, Platform, PlatformKind } from '../constructs/src';
import { explain } from '../map/answers';
import { buildMap } from '../map/build';
import { mapMarkdown } from '../map/markdown';
import { mapOdcs } from '../map/odcs';
import { mapOpenLineage } from '../map/openlineage';
import { mapSchemaErrors } from '../map/schema';

const FIELDS_PER_CONCEPT = 10;
const CONCEPTS_PER_DOMAIN = 50;

function organization(fields: number): App {
  const app = new App({ skipValidation: true });
  const [crm, ops, bi] = [new Platform({ name: 'crm', kind: PlatformKind.CRM }), new Platform({ name: 'ops', kind: PlatformKind.INTERNAL_TOOL }), new Platform({ name: 'bi', kind: PlatformKind.BI })];
  const concepts = fields / FIELDS_PER_CONCEPT;
  for (let d = 0; d < concepts / CONCEPTS_PER_DOMAIN; d++) {
    const domain = new Domain(app, `domain-${d}`, { governedBy: `Team ${d}` });
    for (let c = 0; c < CONCEPTS_PER_DOMAIN; c++) {
      const table = `t${d}_${c}`;
      const concept = new Concept(domain, `Concept${d}_${c}`);
      for (let f = 0; f < FIELDS_PER_CONCEPT; f++) concept.addField(`f${f}`, crm.at(`${table}.f${f}`), ops.at(`${table}.f${f}`), bi.at(`${table}.f${f}`));
      new AuthorityPolicy(domain, `policy-${c}`, {
        concept, authority: crm, origin: crm, copies: [Copy.readOnly(ops), Copy.readOnly(bi)],
        correction: CorrectionPath.at(crm, { how: 'edit it in the CRM', runbook: 'https://wiki.example.com/runbooks/crm' }),
      });
    }
  }
  return app;
}

function time<T>(run: () => T): [T, number] {
  const started = process.hrtime.bigint();
  const result = run();
  return [result, Number(process.hrtime.bigint() - started) / 1e9];
}

function measure(fields: number) {
  const [app, model] = time(() => organization(fields));
  const [ownership, read] = time(() => Ownership.ofApp(app));
  const [map, build] = time(() => buildMap(ownership));
  const [errors, schema] = time(() => mapSchemaErrors(map));
  if (errors.length) throw new Error(`the generated map does not match its schema: ${errors[0]}`);
  const [json, stringify] = time(() => JSON.stringify(map));
  const [, markdown] = time(() => mapMarkdown(map));
  const [, odcs] = time(() => mapOdcs(map));
  const [, lineage] = time(() => mapOpenLineage(map));
  const last = map.facts[map.facts.length - 1].id;
  const [, explainOne] = time(() => { for (let i = 0; i < 1000; i++) explain(map, last); });
  return { fields, facts: map.facts.length, locations: Object.keys(map.locations).length, model, read, build, schema, stringify, markdown, odcs, lineage, explainPerCall: explainOne / 1000, jsonBytes: json.length };
}

measure(500); // warm up the module cache and the JIT
const rows = [measure(1_000), measure(10_000)];
const s = (x: number) => `${x.toFixed(3)} s`;
console.log('| fields | facts | locations | model | Ownership.ofApp | buildMap | schema check | JSON | markdown | ODCS | OpenLineage | explain (one fact) | map JSON |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.fields.toLocaleString('en')} | ${r.facts} | ${r.locations} | ${s(r.model)} | ${s(r.read)} | ${s(r.build)} | ${s(r.schema)} | ${s(r.stringify)} | ${s(r.markdown)} | ${s(r.odcs)} | ${s(r.lineage)} | ${(r.explainPerCall * 1e6).toFixed(0)} µs | ${(r.jsonBytes / 1024 / 1024).toFixed(1)} MiB |`);
}
const [a, b] = rows;
console.log(`\nratios 10,000 / 1,000 fields: buildMap ${(b.build / a.build).toFixed(1)}, ODCS ${(b.odcs / a.odcs).toFixed(1)}, markdown ${(b.markdown / a.markdown).toFixed(1)}, explain ${(b.explainPerCall / a.explainPerCall).toFixed(1)} (linear would be 10)`);
