/** The organization's connected systems, from the seeds' example. */
import { Platform, PlatformConnection, PlatformKind } from '../constructs/src';
import { connectionFor, hasEmbeddedApp } from './connections';

export interface OrganizationPlatforms {
  readonly crm: Platform;
  readonly cms: Platform;
  readonly ops: Platform;
  readonly erp: Platform;
  readonly support: Platform;
  readonly bi: Platform;
  /** The CRM's parties in Tryton: there when `npm run start:apps` runs it. @default none */
  readonly tryton?: Platform;
}

/**
 * @param requireConnections without a configured connection: throw (true), or declare the
 *   platform unconnected (false: the model can be mapped and explained, not planned).
 */
export function organizationPlatforms(requireConnections = true): OrganizationPlatforms {
  const platform = (name: string, kind: PlatformKind, title: string) =>
    new Platform({ name, kind, title, connection: requireConnections ? connectionFor(name) : connectionIfConfigured(name) });
  return {
    crm: platform('crm', PlatformKind.CRM, 'the CRM'),
    cms: platform('cms', PlatformKind.CMS, 'the CMS'),
    ops: platform('ops', PlatformKind.INTERNAL_TOOL, 'the operations tool'),
    erp: platform('erp', PlatformKind.ERP, 'the ERP'),
    support: platform('support', PlatformKind.SUPPORT_DESK, 'the support desk'),
    bi: platform('bi', PlatformKind.BI, 'the BI layer'),
    ...(hasEmbeddedApp('tryton') ? { tryton: platform('tryton', PlatformKind.CRM, 'the CRM (Tryton)') } : {}),
  };
}

/** The platform's connection where one is configured, else none (a model without running platforms). */
function connectionIfConfigured(name: string): PlatformConnection | undefined {
  try {
    return connectionFor(name);
  } catch {
    return undefined;
  }
}
