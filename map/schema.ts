/** Checks a document against schemas/authority-map.schema.json (JSON Schema draft 2020-12). */
import Ajv2020 from 'ajv/dist/2020';
import type { AuthorityMap } from './map-types';

// Bundled into the CLI by esbuild; read from the source tree under ts-jest.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const AUTHORITY_MAP_SCHEMA: object = require('../schemas/authority-map.schema.json');

let compiled: ReturnType<Ajv2020['compile']> | undefined;

/** The schema's complaints about `doc`, one line each ("/facts/0/answers: must have required property 'origin'"); empty when valid. */
export function mapSchemaErrors(doc: unknown): string[] {
  compiled ??= new Ajv2020({ allErrors: true, strict: true }).compile(AUTHORITY_MAP_SCHEMA);
  if (compiled(doc)) return [];
  return (compiled.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${e.params.additionalProperty})` : ''}`);
}

/** `doc` as an AuthorityMap, or an error listing what the schema refuses. */
export function checkMap(doc: unknown): AuthorityMap {
  const errors = mapSchemaErrors(doc);
  if (errors.length) throw new Error(`The authority map does not match schemas/authority-map.schema.json:\n  ${errors.slice(0, 20).join('\n  ')}`);
  return doc as AuthorityMap;
}
