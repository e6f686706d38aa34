/**
 * The organization's authority model, from the seeds' scenario: one Domain (one stack, one
 * governing team) per business domain. The BI layer only consumes.
 */
import { Construct } from 'constructs';
import { AccountsDomain } from './accounts';
import { BillingDomain } from './billing';
import { CampaignsDomain } from './campaigns';
import { ContentDomain } from './content';
import { CustomersDomain } from './customers';
import { OperationsDomain } from './operations';
import { organizationPlatforms } from './platforms';
import { SupportDomain } from './support';

export interface OrganizationOptions {
  /**
   * Whether every platform must have a connection (to synthesize a plan). The authority map and
   * `explain` read the model only, so they pass false and work without running platforms.
   * @default true
   */
  readonly requireConnections?: boolean;
}

export function defineOrganization(scope: Construct, options: OrganizationOptions = {}): void {
  const platforms = organizationPlatforms(options.requireConnections ?? true);
  new CampaignsDomain(scope, 'campaigns', platforms);
  new ContentDomain(scope, 'content', platforms);
  new OperationsDomain(scope, 'operations', platforms);
  new AccountsDomain(scope, 'accounts', platforms);
  new BillingDomain(scope, 'billing', platforms);
  new SupportDomain(scope, 'support', platforms);
  // Tryton runs with `npm run start:apps` only: the plain start stays PostgreSQL only.
  if (platforms.tryton) new CustomersDomain(scope, 'customers', { tryton: platforms.tryton, ops: platforms.ops, cms: platforms.cms });
}
