/** The Directus kind passes the platform adapter conformance suite against a real Directus on a real PostgreSQL. */
import { describeConformance } from './suite';
import { directusFixture } from './directus.fixture';

// Bootstrapping Directus into a fresh database takes minutes on a busy machine.
jest.setTimeout(400000);

describeConformance(directusFixture);
