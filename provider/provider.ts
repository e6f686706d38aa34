/** The authority provider: its configuration (the connected platforms) and its resources. */
import { ProviderDefinition } from './framework';
import { KINDS } from './platforms';
import { Platforms, platformsSchema } from './platforms/configured';
import { fieldProtection } from './resources/field-protection';
import { syncRoute } from './resources/sync-route';

/** A cancel request is one round trip to each server; one that does not answer in time is not waited for. */
const ABANDON_WITHIN_MS = 1000;

export function authorityProvider(): ProviderDefinition {
  const platforms = new Platforms();
  return {
    schema: platformsSchema,
    async configure(config) {
      return platforms.configure(config);
    },
    resources: [fieldProtection(platforms), syncRoute(platforms)],
    async stop() {
      await platforms.close();
    },
    async abandon() {
      await Promise.all(KINDS.map((k) => k.abandon?.(ABANDON_WITHIN_MS)));
    },
  };
}
