import { Concept } from './concept';
import { Copy } from './copy';
import { CorrectionPath } from './correction-path';
import { Platform } from './platform';
import { checkInstance, checkList, checkObject, checkOneOf, checkString } from './prop-checks';
import { Divergence, Propagation } from './propagation';

const isConcept = (x: unknown): x is Concept => x instanceof Concept;
const isPlatform = (x: unknown): x is Platform => x instanceof Platform;
const isCopy = (x: unknown): x is Copy => x instanceof Copy;
const isPropagation = (x: unknown): x is Propagation => x instanceof Propagation;
const isCorrectionPath = (x: unknown): x is CorrectionPath => x instanceof CorrectionPath;

const PLATFORM = 'a Platform';
const NEW_PLATFORM = 'the Platform object (new Platform({ name, kind, ... })), not its name';

/**
 * Checks an AuthorityPolicy's props as given at runtime (a caller in JavaScript or through jsii is
 * not held to the types), so a wrong value fails here, naming the policy and the prop.
 */
export function checkPolicyProps(where: string, props: unknown): void {
  checkObject(where, 'props', props, false);
  const p = props as Record<string, unknown>;
  checkInstance(where, 'concept', p.concept, isConcept, 'a Concept', 'the Concept (new Concept(domain, "Campaign"))');
  checkList(where, 'fields', p.fields, 'field names', (prop, v) => checkString(where, prop, v), true);
  checkInstance(where, 'authority', p.authority, isPlatform, PLATFORM, NEW_PLATFORM);
  checkInstance(where, 'origin', p.origin, isPlatform, PLATFORM, NEW_PLATFORM, true);
  checkString(where, 'governedBy', p.governedBy, { optional: true, blankAllowed: true });
  checkList(where, 'copies', p.copies, 'copies', (prop, v) =>
    checkInstance(where, prop, v, isCopy, 'a Copy', 'Copy.readOnly(platform), Copy.localOverride(platform, { reason }) or Copy.enrichOnly(platform)'), true);
  checkInstance(where, 'propagation', p.propagation, isPropagation, 'a Propagation',
    'Propagation.oneWay({ maxLag }), Propagation.twoWay({ maxLag, split }), Propagation.derived() or Propagation.reportOnly()', true);
  checkOneOf(where, 'divergence', p.divergence, 'Divergence', Divergence as unknown as Record<string, string>, true);
  checkInstance(where, 'correction', p.correction, isCorrectionPath, 'a CorrectionPath',
    'CorrectionPath.at(platform, { how, contact })', true);
}
