package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
)

// postGIS stores positions in one PostGIS table, with the indexes a user
// would build for these queries: GiST on the geometry, B-tree on
// (mmsi, t). Rows go in with binary COPY, the fastest load PostgreSQL has.
type postGIS struct {
	conn *pgx.Conn
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

func openPostGIS(ctx context.Context, dsn string) (*postGIS, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if _, err := conn.Exec(ctx, schema); err != nil {
		conn.Close(ctx)
		return nil, fmt.Errorf("schema: %w", err)
	}
	return &postGIS{conn: conn}, nil
}

func (p *postGIS) Name() string { return "postgis" }

func (p *postGIS) Close() error { return p.conn.Close(context.Background()) }

// Load copies rows into the indexed table in one COPY, then ANALYZE
// (counted: a user loading data runs it before querying).
func (p *postGIS) Load(ctx context.Context, rows []row) error {
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
// radius on the spheroid, and ST_Distance orders them.
const nearSQL = `
SELECT DISTINCT ON (mmsi) mmsi, t, ST_Distance(geom::geography, c.g) AS d
FROM positions, (SELECT ST_SetSRID(ST_MakePoint($1, $2), 4326) AS p,
                        ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography AS g) AS c
WHERE geom && ST_MakeEnvelope($1 - $6, $2 - $7, $1 + $6, $2 + $7, 4326)
  AND t >= $4 AND t < $5
  AND ST_DWithin(geom::geography, c.g, $3)
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

func (p *postGIS) Size(ctx context.Context) (int64, error) {
	var n int64
	err := p.conn.QueryRow(ctx, "SELECT pg_total_relation_size('positions')").Scan(&n)
	return n, err
}

var _ backend = (*postGIS)(nil)
