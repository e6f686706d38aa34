/** The organization's connected systems, from the seeds' example. */
import { Platform, PlatformKind } from '../constructs/src';
import { connectionFor } from './connections';

export interface OrganizationPlatforms {
  readonly crm: Platform;
  readonly ops: Platform;
}

export function organizationPlatforms(): OrganizationPlatforms {
  return {
    crm: new Platform({ name: 'crm', kind: PlatformKind.CRM, title: 'the CRM', connection: connectionFor('crm') }),
    ops: new Platform({ name: 'ops', kind: PlatformKind.INTERNAL_TOOL, title: 'the operations tool', connection: connectionFor('ops') }),
  };
}
