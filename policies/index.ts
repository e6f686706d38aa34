/**
 * The organization's authority model, from the seeds' scenario: one Domain (one stack, one
 * governing team) per business domain. The BI layer only consumes.
 */
import { Construct } from 'constructs';
import { AccountsDomain } from './accounts';
import { BillingDomain } from './billing';
import { CampaignsDomain } from './campaigns';
import { ContentDomain } from './content';
import { OperationsDomain } from './operations';
import { organizationPlatforms } from './platforms';
import { SupportDomain } from './support';

export function defineOrganization(scope: Construct): void {
  const platforms = organizationPlatforms();
  new CampaignsDomain(scope, 'campaigns', platforms);
  new ContentDomain(scope, 'content', platforms);
  new OperationsDomain(scope, 'operations', platforms);
  new AccountsDomain(scope, 'accounts', platforms);
  new BillingDomain(scope, 'billing', platforms);
  new SupportDomain(scope, 'support', platforms);
}
