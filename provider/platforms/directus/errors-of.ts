/**
 * Directus's answers as the neutral errors every kind raises (../errors.ts): no answer or a
 * refused token is an unreachable platform, 404 is something not found, anything else a refusal
 * with advice. Messages name the request and Directus's words, never the token.
 */
import { DiagnosticError } from '../../framework';
import { NotFoundError, PlatformRefusedError, PlatformUnreachableError } from '../errors';
import { DirectusError } from './client';

export function classifyDirectusError(platform: string, url: string, e: unknown): Error {
  if (e instanceof DiagnosticError || e instanceof PlatformUnreachableError || e instanceof PlatformRefusedError || e instanceof NotFoundError) return e;
  if (!(e instanceof DirectusError)) {
    return new PlatformRefusedError(platform, (e as Error).message ?? String(e), 'Fix what the message names, then apply again: the protection converges from where it stopped.');
  }
  if (e.status === 0) {
    return new PlatformUnreachableError(platform,
      `${e.message}. Check the url of platform "${platform}" and that Directus runs and is reachable from where terraform runs.`);
  }
  if (e.status === 401) {
    return new PlatformUnreachableError(platform,
      `Directus at ${url} refused the provider's token (${e.message}). Check that the token named by token_env or token_file is the static token of an active Directus user.`);
  }
  if (e.status === 404) return new NotFoundError(platform, e.message);
  if (e.status === 403) {
    return new PlatformRefusedError(platform, e.message,
      'The token\'s user needs admin access: the provider reads and changes policies\' permissions and fields\' meta. Give it an admin policy, or use an admin\'s token.');
  }
  return new PlatformRefusedError(platform, e.message, 'Directus refused the step; what it said is above. Apply again once it is fixed: the protection converges from where it stopped.');
}
