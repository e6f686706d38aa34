/**
 * The organization's map, from its model alone: platforms without a configured connection are
 * declared unconnected, so mapping and explaining never need running platforms.
 */
import { App } from 'cdktf';
import { Construct } from 'constructs';
import { DomainOwnership, Ownership } from '../constructs/src/ownership';
import { defineOrganization } from '../policies';
import { buildMap } from './build';
import type { AuthorityMap } from './map-types';

type Define = (scope: Construct) => void;
const EXAMPLE: Define = (s) => defineOrganization(s, { requireConnections: false });

/** The ownership facts of the organization `define` declares (the example organization in policies/ by default). */
export function organizationOwnership(define: Define = EXAMPLE): DomainOwnership[] {
  const app = new App({ skipValidation: true });
  define(app);
  return Ownership.ofApp(app);
}

/** The map of the organization `define` declares (the example organization in policies/ by default). */
export function organizationMap(define: Define = EXAMPLE): AuthorityMap {
  return buildMap(organizationOwnership(define));
}
