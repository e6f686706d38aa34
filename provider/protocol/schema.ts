/** framework.ts schemas -> tfplugin6 Schema messages. */
import type { AttributeSchema, BlockSchema, NestedBlockSchema } from '../framework';
import type { Message } from './descriptors';

const NESTING = { single: 'SINGLE', list: 'LIST', set: 'SET' } as const;

export function toProtoSchema(block: BlockSchema, version = 0): Message {
  return { version, block: toProtoBlock(block) };
}

function toProtoBlock(block: BlockSchema): Message {
  return {
    attributes: Object.entries(block.attributes).map(([name, a]) => toProtoAttribute(name, a)),
    block_types: Object.entries(block.blocks ?? {}).map(([name, b]) => toProtoNestedBlock(name, b)),
    description: block.description,
    description_kind: 'PLAIN',
  };
}

function toProtoAttribute(name: string, a: AttributeSchema): Message {
  return {
    name,
    // The type constraint travels as JSON text, as in `terraform providers schema -json`.
    type: Buffer.from(JSON.stringify(a.type)),
    description: a.description,
    description_kind: 'PLAIN',
    required: Boolean(a.required),
    optional: Boolean(a.optional),
    computed: Boolean(a.computed),
    sensitive: Boolean(a.sensitive),
  };
}

function toProtoNestedBlock(name: string, b: NestedBlockSchema): Message {
  return {
    type_name: name,
    block: toProtoBlock(b.block),
    nesting: NESTING[b.nesting],
    min_items: b.minItems ?? 0,
    max_items: b.maxItems ?? 0,
  };
}
