/** The Tryton kind passes the platform adapter conformance suite against a real Tryton 6.0 (Debian's) on a real PostgreSQL. */
import { describeConformance } from './suite';
import { trytonFixture } from './tryton.fixture';

// Installing Tryton and initializing a fresh database (party, sale_opportunity) takes minutes.
jest.setTimeout(600000);

describeConformance(trytonFixture);
