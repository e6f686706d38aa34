/**
 * The organization's map, from its model alone: platforms without a configured connection are
 * declared unconnected, so mapping and explaining never need running platforms.
 */
import { App } from 'cdktf';
import { Construct } from 'constructs';
import { Ownership } from '../constructs/src/ownership';
import { defineOrganization } from '../policies';
import { buildMap } from './build';
import type { AuthorityMap } from './map-types';

/** The map of the organization `define` declares (the example organization in policies/ by default). */
export function organizationMap(define: (scope: Construct) => void = (s) => defineOrganization(s, { requireConnections: false })): AuthorityMap {
  const app = new App({ skipValidation: true });
  define(app);
  return buildMap(Ownership.ofApp(app));
}
