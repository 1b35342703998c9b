package geo

import (
	"errors"
	"strconv"
)

// Sentinel errors. Every error returned by this package wraps one of them,
// except I/O errors from the reader passed to ReadGeoJSON, which are
// returned wrapped as they are.
var (
	// ErrGeoJSON: the input is not JSON, not GeoJSON, or breaks a rule of
	// RFC 7946 this package relies on (ring closed, at least 4 positions,
	// latitude within ±90°...).
	ErrGeoJSON = errors.New("geo: invalid GeoJSON")
	// ErrUnsupportedGeometry: a geometry other than Polygon or
	// MultiPolygon (Point, LineString, GeometryCollection...).
	ErrUnsupportedGeometry = errors.New("geo: unsupported geometry type")
	// ErrTooLarge: the input exceeds a GeoJSONLimits bound.
	ErrTooLarge = errors.New("geo: GeoJSON exceeds limits")
	// ErrInvalidGeometry: coordinates out of range, or an index too large
	// to build.
	ErrInvalidGeometry = errors.New("geo: invalid geometry")
)

// FeatureError is an error about one feature of a GeoJSON document.
type FeatureError struct {
	Index int   // position of the feature in "features"; 0 for a lone Feature or geometry
	Err   error // wraps one of the sentinel errors
}

func (e *FeatureError) Error() string {
	return "feature " + strconv.Itoa(e.Index) + ": " + e.Err.Error()
}

func (e *FeatureError) Unwrap() error { return e.Err }

// detailError adds an explanation to a sentinel.
type detailError struct {
	err error
	msg string
}

func (e *detailError) Error() string { return e.err.Error() + ": " + e.msg }
func (e *detailError) Unwrap() error { return e.err }
