/** The organization's authority model: one Domain (one stack) per business domain. */
import { Construct } from 'constructs';
import { CampaignsDomain } from './campaigns';
import { organizationPlatforms } from './platforms';

export function defineOrganization(scope: Construct): void {
  const platforms = organizationPlatforms();
  new CampaignsDomain(scope, 'campaigns', platforms);
}
