/**
 * Tryton's answers as the neutral errors every kind raises (../errors.ts): no answer, an unknown
 * database or a refused login is an unreachable platform, a missing model something not found,
 * anything else a refusal with advice. Messages name the method and Tryton's words, never the password.
 */
import { DiagnosticError } from '../../framework';
import { NotFoundError, PlatformRefusedError, PlatformUnreachableError } from '../errors';
import { TrytonError } from './client';

export function classifyTrytonError(platform: string, url: string, database: string, e: unknown): Error {
  if (e instanceof DiagnosticError || e instanceof PlatformUnreachableError || e instanceof PlatformRefusedError || e instanceof NotFoundError) return e;
  if (!(e instanceof TrytonError)) {
    return new PlatformRefusedError(platform, (e as Error).message ?? String(e), 'Fix what the message names, then apply again: the protection converges from where it stopped.');
  }
  if (e.status === 0) {
    return new PlatformUnreachableError(platform,
      `${e.message}. Check the url of platform "${platform}" and that trytond runs and is reachable from where terraform runs.`);
  }
  if (e.status === 401 || e.status === 403) {
    return new PlatformUnreachableError(platform,
      `Tryton at ${url} refused the provider's login to database ${JSON.stringify(database)} (${e.message}). Check user and the password named by password_env or password_file.`);
  }
  if (e.status === 404) {
    return new PlatformUnreachableError(platform, `Tryton at ${url} has no database ${JSON.stringify(database)} (${e.message}). Check the database of platform "${platform}".`);
  }
  if (e.fault === 'AccessError' || /not allowed/i.test(e.message)) {
    return new PlatformRefusedError(platform, e.message,
      'The provider\'s Tryton user must be in the Administration group: it reads and changes field access rules, help translations and attachments of ir.model.');
  }
  return new PlatformRefusedError(platform, e.message, 'Tryton refused the step; what it said is above. Apply again once it is fixed: the protection converges from where it stopped.');
}
