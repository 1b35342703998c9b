package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// MaxExportRows bounds the positions of one export download: a longer
// window gets 413 too_large naming the limit (the command line,
// "tidewatch export", has no limit).
const MaxExportRows = 2_000_000

// exportDownload serves GET /api/v1/export: the stored positions of a
// window as GeoParquet, GeoJSON or CSV (package export), as an
// attachment. It is a heavy query: it takes a slot and runs within the
// time budget. The default window is the last day of the stored data.
func (a *api) exportDownload(w http.ResponseWriter, r *http.Request) error {
	p := a.params(r)
	format := p.get("format")
	var ctype, ext string
	switch format {
	case "geoparquet":
		ctype, ext = "application/vnd.apache.parquet", "parquet"
	case "geojson":
		ctype, ext = "application/geo+json", "geojson"
	case "csv":
		ctype, ext = "text/csv; charset=utf-8", "csv"
	default:
		return badParam("format", "%q: want geoparquet, geojson or csv", format)
	}
	end := vessel.TimeOf(a.cfg.Now())
	if _, last, ok := a.cfg.DB.Bounds(); ok {
		end = last
	}
	from, to, err := p.window(end, 24*time.Hour, MaxWindow)
	if err != nil {
		return err
	}
	q := ExportQuery{From: from, To: to, Limit: MaxExportRows}
	if q.BBox, err = p.bbox("bbox"); err != nil {
		return err
	}
	if q.Flagged, err = p.boolean("flagged"); err != nil {
		return err
	}
	if s := p.get("mmsi"); s != "" {
		for part := range strings.SplitSeq(s, ",") {
			m, err := parseMMSI(strings.TrimSpace(part))
			if err != nil {
				return badParam("mmsi", "%v", err)
			}
			q.MMSIs = append(q.MMSIs, m)
		}
	}
	// Finding the vessels and counting their positions is the heavy
	// query (within its budget and slot); the rows are then streamed from
	// the store as they are written, one vessel's track at a time, for as
	// long as the client reads (until the request ends).
	ctx, release, err := a.heavy(w, r)
	if err != nil {
		return err
	}
	plan, err := a.prepareExport(ctx, q)
	release()
	if errors.Is(err, ErrTooMany) {
		return errorf(http.StatusRequestEntityTooLarge, CodeTooLarge,
			"the window holds more than %d positions, the most one download carries: narrow the window, the bbox or the vessels", MaxExportRows)
	} else if err != nil {
		return a.heavyErr(w, r, err)
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="tidewatch-positions-%s-%s.%s"`,
		from.Std().Format("20060102T150405Z"), to.Std().Format("20060102T150405Z"), ext))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	tw := a.cfg.Export.Writer(format, w)
	if err := plan.Scan(r.Context(), tw.Write); err != nil {
		return err
	}
	return tw.Close()
}
