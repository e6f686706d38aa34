/**
 * The Directus kind: a copy in a Directus collection is protected by Directus's own permissions
 * (people's policies lose update and create of the fields, the sync principal's policy keeps
 * update) and each field shows read-only with the correction path as its note (protection*.ts).
 * Admin-access policies bypass Directus permissions: protect the collection's table on the
 * PostgreSQL platform of Directus's database too, whose guard refuses them. No sync router: values
 * reach Directus through a route to that PostgreSQL platform. Registered in ../index.ts.
 */
import { PlatformKind } from '../kind';
import { configureDirectus, directusBlock } from './config';
import { checkDirectusName } from './names';

export const directus: PlatformKind = {
  name: 'directus',
  block: directusBlock,
  example: 'directus { url = ..., token_env = ... }',
  configure: configureDirectus,
  checkName: checkDirectusName,
};
