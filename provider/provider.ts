/** The authority provider: its configuration (the connected platforms) and its resources. */
import { ProviderDefinition } from './framework';
import { Platforms, platformsSchema } from './platforms';
import { fieldProtection } from './resources/field-protection';
import { syncRoute } from './resources/sync-route';

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
  };
}
