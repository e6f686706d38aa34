/** Content: published content metadata is authoritative in the CMS; the operations tool copies titles. */
import { Construct } from 'constructs';
import { AuthorityPolicy, Concept, Copy, CorrectionPath, Domain, Duration, Propagation } from '../constructs/src';
import { OrganizationPlatforms } from './platforms';

export class ContentDomain extends Domain {
  constructor(scope: Construct, id: string, { cms, ops }: OrganizationPlatforms) {
    super(scope, id, { governedBy: 'Content team', description: 'Published content metadata.' });

    const content = new Concept(this, 'Content', { description: 'A published page or article.' });
    content.addField('title', cms.at('content.title'), ops.at('content.title'));

    new AuthorityPolicy(this, 'published-metadata', {
      concept: content,
      fields: ['title'],
      authority: cms,
      origin: cms,
      copies: [Copy.readOnly(ops)],
      propagation: Propagation.oneWay({ maxLag: Duration.minutes(15) }),
      correction: CorrectionPath.at(cms, { how: 'edit the entry and publish it again', contact: '#content' }),
    });
  }
}
