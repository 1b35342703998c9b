// Reads an hourly GeoParquet archive with DuckDB, as a user would: one
// query over a glob of the directory. Prints one JSON object:
//
//   {"count": N, "files": [{"file", "rows", "min_ms", "max_ms"}],
//    "rows": [[mmsi, time_ms, lat, lon]]   (ordered by mmsi, time, lat, lon)}
//
// Usage: node archive.mjs 'DIR/**/*.parquet'
import { DuckDBInstance } from '@duckdb/node-api';

const glob = process.argv[2];
if (!glob) {
  console.error("usage: node archive.mjs 'DIR/**/*.parquet'");
  process.exit(2);
}
const lit = "'" + glob.replaceAll("'", "''") + "'";
const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
const all = async (sql) => (await conn.runAndReadAll(sql)).getRowsJson();

const out = {};
out.count = Number((await all(`SELECT count(*) FROM read_parquet(${lit})`))[0][0]);
out.files = (await all(`SELECT filename, count(*), min(epoch_ms(time))::DOUBLE, max(epoch_ms(time))::DOUBLE
  FROM read_parquet(${lit}, filename = true) GROUP BY filename ORDER BY filename`))
  .map(([file, rows, min, max]) => ({ file, rows: Number(rows), min_ms: Number(min), max_ms: Number(max) }));
out.rows = await all(`SELECT mmsi, epoch_ms(time)::DOUBLE, lat, lon FROM read_parquet(${lit}) ORDER BY mmsi, time, lat, lon`);
process.stdout.write(JSON.stringify(out));
