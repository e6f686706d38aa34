/**
 * The floor of any provider built like ours: a tfplugin6 provider on the same transport
 * (`provider/protocol`) whose one resource has authority_field_protection's schema and does no
 * platform work at all. Beside terraform_data (built into terraform) it shows what being a
 * separate Node process, spoken to over gRPC, costs by itself on this machine (plan-scale.ts).
 */
import { AttributeSchema, ObjectValue, ResourceDefinition, UNKNOWN, Value, isUnknown } from '../provider/framework';
import { serve } from '../provider/protocol';
import { fieldProtection } from '../provider/resources/field-protection';
import type { Platforms } from '../provider/platforms/configured';

const protection = fieldProtection(undefined as unknown as Platforms); // for its schema only
const attributes = protection.schema.attributes;

/** A made-up value of an attribute's type for a computed attribute at apply. */
function filler(a: AttributeSchema): Value {
  if (a.type === 'bool') return true;
  if (a.type === 'number') return 0;
  return Array.isArray(a.type) ? [] : 'floor';
}

const item: ResourceDefinition = {
  typeName: 'floor_item',
  version: 0,
  schema: { ...protection.schema, description: 'Does nothing: the floor of a provider resource.' },
  async plan({ prior, proposed }) {
    if (!proposed) return { planned: null };
    const planned: ObjectValue = { ...proposed };
    for (const [name, a] of Object.entries(attributes)) {
      if (a.computed && planned[name] === null) planned[name] = prior ? prior[name] : UNKNOWN;
    }
    return { planned };
  },
  async apply({ planned }) {
    if (!planned) return { state: null };
    const state: ObjectValue = { ...planned };
    for (const [name, a] of Object.entries(attributes)) if (isUnknown(state[name])) state[name] = filler(a);
    return { state };
  },
  async read(state) {
    return { state };
  },
};

void serve({
  schema: { description: 'The floor of a provider: no configuration, no platform.', attributes: {} },
  async configure() {
    return [];
  },
  resources: [item],
});
