/**
 * A small two-domain organization for the review tests, as a cdktf app a project folder runs
 * (cdktf.json "app"): campaigns (Marketing operations) decides campaign.name between the CRM and
 * the operations tool (and campaign.status on the CRM, campaign.assignee on ops); operations (Operations) decides
 * content.routing_state on the operations tool. The variant in model.json (in the project folder) says what the pull request changes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, LocalBackend } from 'cdktf';
import {
  AuthorityPolicy, Concept, Copy, CorrectionPath, Divergence, Domain, Duration, Platform, PlatformConnection, PlatformKind, Propagation,
} from '../../constructs/src';

export interface ServerConnection {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly passwordFile: string;
}

export interface ReviewModel {
  readonly crm: ServerConnection;
  readonly ops: ServerConnection;
  /** Where each domain keeps its local state. */
  readonly stateDir: string;
  /** The platform campaign.name is owned by. */
  readonly nameAuthority: 'crm' | 'ops';
  /** What people may do on the copy of campaign.name. */
  readonly copyEdits: 'read_only' | 'local_override';
  /** The local override's expiry (YYYY-MM-DD), when copyEdits is local_override. */
  readonly overrideExpires?: string;
  /** The Campaign concept's description (not an ownership matter). */
  readonly description: string;
  /** The domain that decides campaign.name. @default campaigns */
  readonly nameDomain?: 'campaigns' | 'operations';
}

function platform(name: 'crm' | 'ops', c: ServerConnection): Platform {
  return new Platform({
    name,
    kind: name === 'crm' ? PlatformKind.CRM : PlatformKind.INTERNAL_TOOL,
    title: `the ${name.toUpperCase()}`,
    connection: PlatformConnection.postgresql({ host: c.host, port: c.port, database: name, username: c.username, passwordFile: c.passwordFile }),
  });
}

export function defineReviewModel(app: App, m: ReviewModel): void {
  const crm = platform('crm', m.crm);
  const ops = platform('ops', m.ops);

  const campaigns = new Domain(app, 'campaigns', { governedBy: 'Marketing operations' });
  const operations = new Domain(app, 'operations', { governedBy: 'Operations' });
  const home = m.nameDomain === 'operations' ? operations : campaigns;
  const [authority, copyOn] = m.nameAuthority === 'crm' ? [crm, ops] : [ops, crm];
  const campaign = new Concept(home, 'Campaign', { description: m.description });
  campaign.addField('name', crm.at('campaigns.name'), ops.at('campaigns.name'));
  new AuthorityPolicy(home, 'campaign-naming', {
    concept: campaign, fields: ['name'], authority, origin: authority,
    governedBy: 'Brand team',
    copies: [m.copyEdits === 'read_only' ? Copy.readOnly(copyOn) : Copy.localOverride(copyOn, { reason: 'launch-week renames', expires: m.overrideExpires })],
    propagation: Propagation.oneWay({ maxLag: Duration.minutes(5) }),
    divergence: Divergence.AUTHORITY_WINS,
    correction: CorrectionPath.at(authority, { how: 'edit the campaign name', contact: '#marketing-ops' }),
  });

  // The campaigns domain keeps a fact of its own when campaign.name leaves it.
  const status = home === campaigns ? campaign : new Concept(campaigns, 'Campaign', { description: m.description });
  status.addField('status', crm.at('campaigns.status'));
  new AuthorityPolicy(campaigns, 'campaign-status', {
    concept: status, fields: ['status'], authority: crm, origin: crm,
    correction: CorrectionPath.at(crm, { how: 'change the campaign\'s status' }),
  });

  // ... and one on ops, so its provider configuration keeps ops (a stack cannot plan the removal
  // of resources on a platform it no longer declares).
  status.addField('assignee', ops.at('campaigns.assignee'));
  new AuthorityPolicy(campaigns, 'campaign-assignee', {
    concept: status, fields: ['assignee'], authority: ops, origin: ops,
    correction: CorrectionPath.at(ops, { how: 'reassign the campaign' }),
  });

  const content = new Concept(operations, 'Content', { description: 'A piece of published content.' });
  content.addField('routing_state', ops.at('content.routing_state'));
  new AuthorityPolicy(operations, 'content-routing', {
    concept: content, fields: ['routing_state'], authority: ops, origin: ops,
    correction: CorrectionPath.at(ops, { how: 'move the item on the routing board' }),
  });

  for (const domain of [campaigns, operations]) {
    new LocalBackend(domain, { path: path.join(m.stateDir, `${domain.node.id}.tfstate`) });
  }
}

if (require.main === module) {
  const app = new App();
  defineReviewModel(app, JSON.parse(fs.readFileSync(path.join(process.cwd(), 'model.json'), 'utf8')));
  app.synth();
}
