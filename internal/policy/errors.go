package policy

import (
	"errors"
	"strconv"
)

// Sentinel errors. Every error from Parse and Load wraps one of them
// (inside a *ConfigError when the problem has a place in the file).
var (
	// ErrSyntax: the file is not one well-formed JSON object (bad JSON,
	// a duplicated key, trailing data, nesting too deep).
	ErrSyntax = errors.New("policy: invalid JSON")
	// ErrVersion: the "version" member is missing or not 1.
	ErrVersion = errors.New("policy: unsupported version")
	// ErrTooLarge: the file, a list or the geometry exceeds a bound.
	ErrTooLarge = errors.New("policy: too large")
	// ErrInvalid: a member has a value the policy cannot use: an
	// unknown key, event type, ship type, class, flag, area or TLP, a bad
	// geometry or duration, a negative precision.
	ErrInvalid = errors.New("policy: invalid value")
)

// ConfigError is a problem at one place in a policy file: the partner
// ("" for the top level) and the field, as a path of JSON names
// ("exclude_vessels.ship_types[2]", "areas.ior.geometry").
type ConfigError struct {
	Partner string
	Field   string
	Msg     string
	Err     error // one of the sentinels
	Cause   error // the underlying error (from encoding/json, geo), or nil
}

func (e *ConfigError) Error() string {
	s := "policy: "
	if e.Partner != "" {
		s += "partner " + strconv.Quote(e.Partner) + ": "
	}
	if e.Field != "" {
		s += e.Field + ": "
	}
	return s + e.Msg
}

// Unwrap returns the sentinel and the cause.
func (e *ConfigError) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Err, e.Cause}
	}
	return []error{e.Err}
}
