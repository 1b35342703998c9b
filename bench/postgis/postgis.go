package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// postGIS stores positions in PostGIS. Rows go in with binary COPY, the
// fastest load PostgreSQL has. Two setups:
//
//   - the plain one a user would build first: one table with a GiST
//     index on the geometry and a B-tree on (mmsi, t), indexes in place
//     during the load;
//   - the one an expert would build for these queries (expert): the
//     table partitioned by UTC day (a query of a window reads only its
//     days), a composite GiST index on (geom, t) with btree_gist (one
//     index answers "near this point in this window"), the B-tree on
//     (mmsi, t) for tracks and a BRIN index on t, all built after the
//     COPY, as one loads history.
type postGIS struct {
	conn   *pgx.Conn
	expert bool
}

const schema = `
CREATE EXTENSION IF NOT EXISTS postgis;
DROP TABLE IF EXISTS positions;
CREATE TABLE positions (
	mmsi    int         NOT NULL,
	t       timestamptz NOT NULL,
	geom    geometry(Point, 4326) NOT NULL,
	sog     real,
	cog     real,
	heading smallint,
	status  smallint
);
CREATE INDEX positions_geom ON positions USING gist (geom);
CREATE INDEX positions_mmsi_t ON positions (mmsi, t);
`

// expertSchema is the partitioned table; Load adds a partition per day
// of the rows, then the indexes after the COPY.
const expertSchema = `
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS btree_gist;
DROP TABLE IF EXISTS positions;
CREATE TABLE positions (
	mmsi    int         NOT NULL,
	t       timestamptz NOT NULL,
	geom    geometry(Point, 4326) NOT NULL,
	sog     real,
	cog     real,
	heading smallint,
	status  smallint
) PARTITION BY RANGE (t);
`

// expertIndexes are built on the loaded table (on every partition).
const expertIndexes = `
CREATE INDEX positions_geom_t ON positions USING gist (geom, t);
CREATE INDEX positions_mmsi_t ON positions (mmsi, t);
CREATE INDEX positions_t_brin ON positions USING brin (t);
`

func openPostGIS(ctx context.Context, dsn string, expert bool) (*postGIS, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	ddl := schema
	if expert {
		ddl = expertSchema
	}
	if _, err := conn.Exec(ctx, ddl); err != nil {
		conn.Close(ctx)
		return nil, fmt.Errorf("schema: %w", err)
	}
	return &postGIS{conn: conn, expert: expert}, nil
}

func (p *postGIS) Name() string {
	if p.expert {
		return "postgis_expert"
	}
	return "postgis"
}

// partitions creates one partition of the expert table per UTC day of
// rows (in time order).
func (p *postGIS) partitions(ctx context.Context, rows []row) error {
	const day = 24 * 3600_000
	first, last := rows[0].T-rows[0].T%day, rows[len(rows)-1].T
	for d := first; d <= last; d += day {
		from, to := d.Std().UTC().Format(time.RFC3339), (d + day).Std().UTC().Format(time.RFC3339)
		name := "positions_" + d.Std().UTC().Format("20060102")
		if _, err := p.conn.Exec(ctx, fmt.Sprintf("CREATE TABLE %s PARTITION OF positions FOR VALUES FROM ('%s') TO ('%s')", name, from, to)); err != nil {
			return err
		}
	}
	return nil
}

func (p *postGIS) Close() error { return p.conn.Close(context.Background()) }

// Load copies rows into the indexed table in one COPY, then ANALYZE
// (counted: a user loading data runs it before querying). The expert
// setup creates the day partitions first and builds the indexes after
// the COPY (counted too).
func (p *postGIS) Load(ctx context.Context, rows []row) error {
	if p.expert {
		if err := p.partitions(ctx, rows); err != nil {
			return fmt.Errorf("partitions: %w", err)
		}
	}
	i := 0
	var ewkb [25]byte
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i == len(rows) {
			return nil, nil
		}
		r := &rows[i]
		i++
		return []any{
			int32(r.MMSI), r.T.Std(), pointEWKB(ewkb[:0], r.Lon, r.Lat),
			nullFloat(r.SOG), nullFloat(r.COG), nullSmall(r.Heading, r.Heading >= 0), nullSmall(r.Status, r.Status != 15),
		}, nil
	})
	n, err := p.conn.CopyFrom(ctx, pgx.Identifier{"positions"},
		[]string{"mmsi", "t", "geom", "sog", "cog", "heading", "status"}, src)
	if err != nil {
		return err
	}
	if n != int64(len(rows)) {
		return fmt.Errorf("copied %d of %d rows", n, len(rows))
	}
	if p.expert {
		if _, err := p.conn.Exec(ctx, expertIndexes); err != nil {
			return fmt.Errorf("indexes: %w", err)
		}
	}
	_, err = p.conn.Exec(ctx, "ANALYZE positions")
	return err
}

// pointEWKB appends a little-endian EWKB point with SRID 4326, the binary
// form geometry's COPY input takes.
func pointEWKB(b []byte, x, y float64) []byte {
	b = append(b, 1)
	b = binary.LittleEndian.AppendUint32(b, 1|0x20000000)
	b = binary.LittleEndian.AppendUint32(b, 4326)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(y))
}

func nullFloat(v float32) any {
	if v != v {
		return nil
	}
	return v
}

func nullSmall(v int16, ok bool) any {
	if !ok {
		return nil
	}
	return v
}

// nearSQL finds, per vessel, the closest report within $3 metres of
// ($1, $2) in [$4, $5). The box test (&&, metres turned into degrees,
// widened by 1/cos(latitude) in longitude) lets the GiST index find the
// candidates; ST_DWithin on geography then keeps those truly within the
// radius, and ST_Distance orders them. Both measure on the sphere
// (use_spheroid false: PostGIS's sphere is the WGS-84 mean radius, the
// store's geo.EarthRadius), the distance the store's near is documented
// to use; on the spheroid (PostGIS's default) a vessel 10 km away on the
// sphere can be 9,993 m away, and the two would answer different
// questions at the radius's edge.
const nearSQL = `
SELECT DISTINCT ON (mmsi) mmsi, t, ST_Distance(geom::geography, c.g, false) AS d
FROM positions, (SELECT ST_SetSRID(ST_MakePoint($1, $2), 4326) AS p,
                        ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography AS g) AS c
WHERE geom && ST_MakeEnvelope($1 - $6, $2 - $7, $1 + $6, $2 + $7, 4326)
  AND t >= $4 AND t < $5
  AND ST_DWithin(geom::geography, c.g, $3, false)
ORDER BY mmsi, d`

func (p *postGIS) Near(ctx context.Context, q nearQuery) (int, error) {
	dLat := q.Radius / 111_000 * 1.01
	dLon := dLat / math.Max(math.Cos(q.Lat*math.Pi/180), 0.01)
	rows, err := p.conn.Query(ctx, nearSQL, q.Lon, q.Lat, q.Radius, q.From.Std(), q.To.Std(), dLon, dLat)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	var mmsi int32
	var t time.Time
	var d float64
	for rows.Next() {
		if err := rows.Scan(&mmsi, &t, &d); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

func (p *postGIS) NearAnswers(ctx context.Context, q nearQuery) ([]nearAnswer, error) {
	dLat := q.Radius / 111_000 * 1.01
	dLon := dLat / math.Max(math.Cos(q.Lat*math.Pi/180), 0.01)
	rows, err := p.conn.Query(ctx, nearSQL, q.Lon, q.Lat, q.Radius, q.From.Std(), q.To.Std(), dLon, dLat)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []nearAnswer
	var mmsi int32
	var t time.Time
	var d float64
	for rows.Next() {
		if err := rows.Scan(&mmsi, &t, &d); err != nil {
			return out, err
		}
		out = append(out, nearAnswer{MMSI: vessel.MMSI(mmsi), Distance: d, Time: vessel.TimeOf(t)})
	}
	return out, rows.Err()
}

const trackSQL = `
SELECT t, ST_Y(geom), ST_X(geom), sog, cog, heading, status
FROM positions WHERE mmsi = $1 AND t >= $2 AND t < $3 ORDER BY t`

func (p *postGIS) Track(ctx context.Context, q trackQuery) (int, error) {
	rows, err := p.conn.Query(ctx, trackSQL, int32(q.MMSI), q.From.Std(), q.To.Std())
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	var t time.Time
	var lat, lon float64
	var sog, cog *float32
	var heading, status *int16
	for rows.Next() {
		if err := rows.Scan(&t, &lat, &lon, &sog, &cog, &heading, &status); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

// Size sums the table and its indexes (over every partition).
func (p *postGIS) Size(ctx context.Context) (int64, error) {
	q := "SELECT pg_total_relation_size('positions')"
	if p.expert {
		q = "SELECT coalesce(sum(pg_total_relation_size(relid)), 0)::bigint FROM pg_partition_tree('positions')"
	}
	var n int64
	err := p.conn.QueryRow(ctx, q).Scan(&n)
	return n, err
}

var _ backend = (*postGIS)(nil)
