// Reads a GeoParquet file with DuckDB (no extensions: the spatial
// extension cannot be downloaded here) and prints what an independent
// reader sees, as one JSON object on stdout:
//
//   {"count": N, "kv": {"geo": "..."}, "columns": [{"name","type"}],
//    "row_groups": [{"rows", "xmin", "xmax", "ymin", "ymax"}],
//    "rows": [[mmsi, time_ms, lat, lon, wkt, xmin, ymin, xmax, ymax,
//              sog, cog, heading, nav_status, flags, source, name, ship_type]],
//    "wkb": [hex of the stored geometry bytes, in the order of rows]}
//
// DuckDB (1.5) recognises the "geo" metadata itself: "columns" then shows
// geometry as GEOMETRY('OGC:CRS84') and "wkt" is its reading of the WKB.
// "wkb" is read with that conversion off: the bytes as stored.
//
// Usage: node geoparquet.mjs FILE.parquet
import { DuckDBInstance } from '@duckdb/node-api';

const file = process.argv[2];
if (!file) {
  console.error('usage: node geoparquet.mjs FILE.parquet');
  process.exit(2);
}
const lit = "'" + file.replaceAll("'", "''") + "'";
const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
const all = async (sql) => (await conn.runAndReadAll(sql)).getRowsJson();

const out = {};
out.count = Number((await all(`SELECT count(*) FROM read_parquet(${lit})`))[0][0]);
out.kv = Object.fromEntries(await all(
  `SELECT decode(key), decode(value) FROM parquet_kv_metadata(${lit})`));
out.columns = (await all(`DESCRIBE SELECT * FROM read_parquet(${lit})`))
  .map(([name, type]) => ({ name, type }));
// The statistics of the covering column per row group, the figures a
// reader uses to skip row groups outside a bbox.
const stats = await all(`SELECT row_group_id, any_value(row_group_num_rows),
    min(CASE WHEN path_in_schema = 'bbox, xmin' THEN stats_min_value END),
    max(CASE WHEN path_in_schema = 'bbox, xmax' THEN stats_max_value END),
    min(CASE WHEN path_in_schema = 'bbox, ymin' THEN stats_min_value END),
    max(CASE WHEN path_in_schema = 'bbox, ymax' THEN stats_max_value END)
  FROM parquet_metadata(${lit}) GROUP BY row_group_id ORDER BY row_group_id`);
out.row_groups = stats.map(([, rows, xmin, xmax, ymin, ymax]) => ({
  rows: Number(rows), xmin: Number(xmin), xmax: Number(xmax), ymin: Number(ymin), ymax: Number(ymax),
}));
out.rows = (await all(`SELECT mmsi, epoch_ms(time)::DOUBLE, lat, lon, ST_AsText(geometry),
    bbox.xmin, bbox.ymin, bbox.xmax, bbox.ymax, sog, cog, heading, nav_status,
    flags, source, name, ship_type
  FROM read_parquet(${lit}) ORDER BY mmsi, time, lat, lon`));
await conn.run('SET enable_geoparquet_conversion = false');
out.wkb = (await all(`SELECT hex(geometry) FROM read_parquet(${lit}) ORDER BY mmsi, time, lat, lon`)).map((r) => r[0]);
process.stdout.write(JSON.stringify(out));
