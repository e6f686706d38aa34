import { AuthorityModel } from '../authority-model';
import { AllowedEdits } from '../copy';
import { RuleFinding, RuleLevel } from '../rule';
import { AuthorityRule } from '../rule-base';

/**
 * A local override without a reason, with an expiry that is not a date, or with one that has
 * passed. "Today" is the local date when synth runs; fix it with the context key
 * "authority:today" or the AUTHORITY_TODAY environment variable (YYYY-MM-DD). An override is
 * allowed through its expiry date and refused from the day after.
 */
export class LocalOverrideRule extends AuthorityRule {
  constructor() {
    super({
      id: 'local-override',
      summary: 'A local override has no reason, an expiry that is not a date, or an expiry in the past.',
      explanation:
        'If a local override is allowed, the team should know when and why: an override is a deliberate, ' +
        'temporary exception to "correct it upstream". Without a reason nobody can judge it in review; ' +
        'past its expiry it keeps letting people edit a copy that was meant to be protected again.',
      advice:
        'Give the override a reason and, if it is temporary, an expiry (YYYY-MM-DD): Copy.localOverride(platform, ' +
        '{ reason, expires }). When it has expired, renew it deliberately or make the copy read-only.',
      level: RuleLevel.ERROR,
      // Not suppressible: the override itself is the place for its reason and expiry.
      suppressible: false,
    });
  }

  public evaluate(model: AuthorityModel): RuleFinding[] {
    const findings: RuleFinding[] = [];
    for (const policy of model.policies) {
      const fields = policy.fields.map((f) => f.toString()).join(', ');
      for (const copy of policy.copies.filter((c) => c.edits === AllowedEdits.LOCAL_OVERRIDE)) {
        const where = `the local override of ${fields} on ${copy.platform.name}`;
        if (!copy.reason || copy.reason.trim() === '') {
          findings.push({
            subject: policy,
            message: `${where} gives no reason.`,
            advice: `Say why people may edit ${copy.platform.name} locally: Copy.localOverride(${copy.platform.name}, { reason: '...', expires: 'YYYY-MM-DD' }).`,
          });
        }
        if (copy.expires === undefined) continue;
        if (!AuthorityModel.isCalendarDate(copy.expires)) {
          findings.push({
            subject: policy,
            message: `${where} expires "${copy.expires}", which is not a date (YYYY-MM-DD).`,
            advice: 'Write the expiry as an ISO date, e.g. expires: \'2030-06-30\', or leave it out for an override with no end.',
          });
        } else if (copy.expires < model.today) {
          findings.push({
            subject: policy,
            message: `${where} expired on ${copy.expires} (today is ${model.today}).`,
            advice:
              `Make the copy on ${copy.platform.name} read-only again (Copy.readOnly), or renew the override with a ` +
              'new expiry and a reason that still holds.',
          });
        }
      }
    }
    return findings;
  }
}
