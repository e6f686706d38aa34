/** The PostgreSQL kind passes the platform adapter conformance suite against a real server. */
import { describeConformance } from './suite';
import { postgresqlFixture } from './postgresql.fixture';

describeConformance(postgresqlFixture);
