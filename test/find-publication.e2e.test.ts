/**
 * findPublication reads a route's table from pg_publication_rel when the publication lists its
 * tables one by one (as the provider makes it), and through pg_publication_tables otherwise. Each
 * shape a person could give a publication by hand must read exactly as the view says.
 */
import { Client } from 'pg';
import { findPublication, runOn } from '../provider/platforms/postgresql/catalog';
import { TestPlatforms, startTestPlatforms } from './support/platforms';

let platforms: TestPlatforms;
let db: Client;

beforeAll(async () => {
  platforms = await startTestPlatforms();
  db = await platforms.connect('crm');
  await db.query(`CREATE SCHEMA fp;
    CREATE TABLE fp.a (id int PRIMARY KEY, x text, y text, g text GENERATED ALWAYS AS (x || y) STORED);
    CREATE TABLE fp.b (id int PRIMARY KEY, x text);
    CREATE TABLE fp.c (id int PRIMARY KEY, x text);
    CREATE TABLE fp."odd ""name""" (id int PRIMARY KEY, x text);
    CREATE TABLE fp.parted (id int, x text, PRIMARY KEY (id)) PARTITION BY RANGE (id);
    CREATE TABLE fp.parted_1 PARTITION OF fp.parted FOR VALUES FROM (0) TO (100);`);
});

afterAll(async () => {
  await db?.end();
  await platforms?.stop();
});

/** What pg_publication_tables says of the table: the reading findPublication must match. */
async function viewSays(pub: string, table: string) {
  const here = await db.query<{ columns: string[]; rowFilter: string | null }>(
    `SELECT attnames::text[] AS columns, rowfilter AS "rowFilter" FROM pg_publication_tables WHERE pubname = $1 AND schemaname = 'fp' AND tablename = $2`, [pub, table]);
  const others = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_publication_tables WHERE pubname = $1 AND NOT (schemaname = 'fp' AND tablename = $2)`, [pub, table]);
  return { here: here.rows[0], others: others.rows[0].n };
}

const shapes: [string, string][] = [
  ['tables one by one, with column lists (as the provider makes them)', `FOR TABLE fp.a (id, x), fp.b (id, x), fp."odd ""name""" (id) WITH (publish_via_partition_root = true)`],
  ['a table without a column list beside others with one', `FOR TABLE fp.a, fp.b (id, x) WITH (publish_via_partition_root = true)`],
  ['a row filter', `FOR TABLE fp.a (id, x) WHERE (id > 5), fp.b (id) WITH (publish_via_partition_root = true)`],
  ['a whole schema', `FOR TABLES IN SCHEMA fp WITH (publish_via_partition_root = true)`],
  ['a schema and tables', `FOR TABLE fp.a, TABLES IN SCHEMA public WITH (publish_via_partition_root = true)`],
  ['all tables', `FOR ALL TABLES`],
  ['partitions sent as themselves', `FOR TABLE fp.parted, fp.a (id, x)`],
  ['a partitioned table sent as itself', `FOR TABLE fp.parted (id, x), fp.b (id, x) WITH (publish_via_partition_root = true)`],
];

describe.each(shapes)('a publication with %s reads as pg_publication_tables says', (_shape, definition) => {
  const pub = `fp_${shapes.findIndex(([, d]) => d === definition)}`;
  beforeAll(async () => {
    await db.query(`DROP PUBLICATION IF EXISTS ${pub}; CREATE PUBLICATION ${pub} ${definition}`);
  });

  it.each(['a', 'b', 'c', 'odd "name"', 'parted', 'parted_1'])('table %s', async (table) => {
    const found = await findPublication(runOn(db), pub, { namespace: 'fp', container: table });
    const view = await viewSays(pub, table);
    expect({ here: found?.here, others: found?.others }).toEqual(view);
  });
});
