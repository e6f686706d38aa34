/**
 * The connected platforms, as declared in the provider configuration, each behind its kind's
 * adapter. The configuration's schema and parsing iterate over the registered kinds (index.ts):
 * `platform { name = "crm" postgresql { ... } }`, one block per kind.
 */
import { BlockSchema, Diagnostic, DiagnosticError, ObjectValue, PathStep } from '../framework';
import { PlatformAdapter } from './adapter';
import { KINDS } from './index';
import { PlatformKind } from './kind';

export const platformsSchema: BlockSchema = {
  description:
    'authority: declares which system owns which business fact and enforces it on the connected platforms. ' +
    'Declare each connected platform once here; resources refer to it by name.',
  attributes: {},
  blocks: {
    platform: {
      nesting: 'list',
      block: {
        description: 'A connected system (CRM, CMS, ERP, internal tool ...) and how the provider reaches it.',
        attributes: {
          name: { type: 'string', required: true, description: 'The platform\'s name, as resources refer to it (e.g. "crm").' },
        },
        blocks: Object.fromEntries(KINDS.map((k) => [k.name, { nesting: 'list' as const, maxItems: 1, block: k.block }])),
      },
    },
  },
};

/** The platforms of one provider process, reached lazily: a plan touches only what it uses. */
export class Platforms {
  private adapters = new Map<string, PlatformAdapter>();

  /** Reads the provider configuration; returns diagnostics naming the attribute at fault. */
  public configure(config: ObjectValue): Diagnostic[] {
    const diags: Diagnostic[] = [];
    const next = new Map<string, PlatformAdapter>();
    // Every declared name, also of blocks with errors: a second block of that name is still a duplicate.
    const seen = new Set<string>();
    const platforms = (config.platform ?? []) as ObjectValue[];
    platforms.forEach((p, i) => {
      const name = p.name as string;
      const at = (...rest: PathStep[]): PathStep[] => ['platform', i, ...rest];
      if (seen.has(name)) {
        diags.push({ severity: 'error', summary: `Platform "${name}" is declared twice`, detail: 'Give each platform block a unique name.', attribute: at('name') });
        return;
      }
      seen.add(name);
      const declared = KINDS.filter((k) => ((p[k.name] ?? []) as ObjectValue[]).length > 0);
      if (declared.length === 0) {
        diags.push({
          severity: 'error',
          summary: `Platform "${name}" has no connection`,
          detail: `Add a connection block for the platform's kind, e.g. ${KINDS.map((k) => k.example).join(', or ')}.`,
          attribute: at('name'),
        });
        return;
      }
      if (declared.length > 1) {
        diags.push({
          severity: 'error',
          summary: `Platform "${name}" declares ${declared.map((k) => k.name).join(' and ')}`,
          detail: 'A platform is one system of one kind: keep one connection block, and declare the other system as a platform of its own.',
          attribute: at(declared[1].name),
        });
        return;
      }
      const kind = declared[0];
      const settings = ((p[kind.name] ?? []) as ObjectValue[])[0];
      const { adapter, diagnostics } = kind.configure(name, settings, at(kind.name, 0));
      diags.push(...diagnostics);
      if (adapter) next.set(name, adapter);
    });
    if (!diags.some((d) => d.severity === 'error')) this.adapters = next;
    return diags;
  }

  /** The kind of the platform named `name`; the diagnostic points at the resource attribute that named it. */
  public kindOf(name: string, attribute: PathStep[]): PlatformKind {
    const kind = this.get(name, attribute).kind;
    return KINDS.find((k) => k.name === kind)!;
  }

  public names(): string[] {
    return [...this.adapters.keys()];
  }

  /** The adapter for a platform name; the diagnostic points at the resource attribute that named it. */
  public get(name: string, attribute: PathStep[]): PlatformAdapter {
    const adapter = this.adapters.get(name);
    if (!adapter) {
      const known = this.names();
      throw new DiagnosticError({
        severity: 'error',
        summary: `No platform named "${name}" in the provider configuration`,
        detail: (known.length
          ? `Declared platforms: ${known.join(', ')}. Use one of them, or declare "${name}" in the provider's platform blocks.`
          : `The provider declares no platforms. Add a platform block named "${name}".`) +
          ` If the state holds a protection or route on "${name}" from a policy that was removed, keep the platform declared until an apply has removed them (in the constructs: the Domain's \`platforms\`).`,
        attribute,
      });
    }
    return adapter;
  }

  public async close(): Promise<void> {
    await Promise.all([...this.adapters.values()].map((a) => a.close()));
  }
}
