/**
 * Which names the Tryton kind can protect. Tryton's models and fields come from the code of its
 * modules: a model is named with lower-case dotted words ("party.party", "sale.opportunity"), a
 * field is a Python identifier ("name"). Nothing else can exist in Tryton, so a name outside those
 * forms is refused in plan with what Tryton's names look like. Texts (key, authority, correction
 * hint) are stored in Tryton's PostgreSQL database, which refuses only a NUL byte.
 *
 * These rules hold only on a Tryton platform, so they are checked when a plan knows the platform
 * (the adapter's checkProtection), not at validate time against every kind.
 */
import { NameProblem } from '../kind';

const MODEL = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;
const FIELD = /^[a-z_][a-z0-9_]*$/;

/** Why `model` cannot be a Tryton model's name, or undefined when it can. */
export function modelNameProblem(model: string): NameProblem | undefined {
  if (MODEL.test(model)) return undefined;
  return {
    summary: `${JSON.stringify(model)} cannot be a Tryton model`,
    detail: 'Tryton names its models with lower-case dotted words from its modules\' code, e.g. "party.party" or "sale.opportunity". Name the model as Tryton does (table = "party.party").',
  };
}

/** Why `field` cannot be a Tryton field's name, or undefined when it can. */
export function fieldNameProblem(field: string): NameProblem | undefined {
  if (FIELD.test(field)) return undefined;
  return {
    summary: `${JSON.stringify(field)} cannot be a Tryton field`,
    detail: 'Tryton fields are lower-case Python identifiers from its modules\' code, e.g. "name" or "code".',
  };
}

/** Names of every kind the Tryton kind holds: it stores texts in PostgreSQL, which refuses a NUL byte. */
export function checkTrytonName(_what: string, label: string, value: string): NameProblem | undefined {
  if (value.includes('\0')) return { summary: `${label} ${JSON.stringify(value)} contains a NUL byte`, detail: 'Tryton cannot store a NUL byte in a name or text. Remove it.' };
  return undefined;
}
