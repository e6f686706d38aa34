/**
 * Recognises the model's constructs by a marker instead of `instanceof`: the modules that look
 * for them (the model, the rule pack) need not import theirs (no import cycles), and two copies
 * of the library loaded side by side still recognise each other's constructs.
 */
import { IConstruct } from 'constructs';

export const DOMAIN = Symbol.for('@authority/constructs.Domain');
export const CONCEPT = Symbol.for('@authority/constructs.Concept');
export const AUTHORITY_POLICY = Symbol.for('@authority/constructs.AuthorityPolicy');

/** Marks `construct` as one of the model's kinds of construct. */
export function mark(construct: IConstruct, marker: symbol): void {
  Object.defineProperty(construct, marker, { value: true });
}

/** Whether `x` was marked with `marker`. */
export function isMarked<T>(x: unknown, marker: symbol): x is T {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[marker] === true;
}
