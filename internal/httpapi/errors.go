package httpapi

import (
	"errors"
	"fmt"
	"net/http"
)

// Sentinel errors of the token store.
var (
	// ErrTokenExists is returned by Tokens.Create for a name already in use.
	ErrTokenExists = errors.New("httpapi: token name already exists")
	// ErrNoToken is returned by Tokens.Revoke for a name not in use.
	ErrNoToken = errors.New("httpapi: no such token")
	// ErrTokenRecord is returned by Tokens.PutRecord for a record that
	// does not decode or has no valid hash.
	ErrTokenRecord = errors.New("httpapi: bad token record")
	// ErrRole is returned for a role other than RoleRead or RoleAdmin.
	ErrRole = errors.New("httpapi: unknown role")
	// ErrTokenName is returned for a token name that is empty, too long or
	// has characters other than letters, digits, '.', '_' and '-'.
	ErrTokenName = errors.New("httpapi: bad token name")
	// ErrTokenExpiry is returned by Tokens.CreateExpiring for an expiry
	// that is not after the creation time.
	ErrTokenExpiry = errors.New("httpapi: bad token expiry")
	// ErrTokensFileMode is returned by OpenTokens when the tokens file can
	// be read or written by anyone but its owner.
	ErrTokensFileMode = errors.New("httpapi: tokens file is accessible to others")
)

// Sentinel errors the API's data sources wrap (interfaces.go, audit.go)
// for the conditions the handlers answer with their own status.
var (
	// ErrTooMany is wrapped by an Exporter's Prepare when the window
	// holds more positions than the query's limit (413).
	ErrTooMany = errors.New("httpapi: export window holds too many positions")
	// ErrClosed is wrapped by an AuditLog's Query when the log is closed
	// (503).
	ErrClosed = errors.New("httpapi: source closed")
)

// Error codes of the JSON error body, stable across versions.
const (
	CodeBadParameter     = "bad_parameter"
	CodeUnauthorized     = "unauthorized"
	CodeForbidden        = "forbidden"
	CodeNotFound         = "not_found"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeTooLarge         = "too_large"
	CodeNotImplemented   = "not_implemented"
	CodeUnavailable      = "unavailable"
	CodeTooManyRequests  = "too_many_requests"
	CodeInternal         = "internal"
)

// apiError is an error a handler returns to be shown to the client: its
// status, stable code and message. Any other error a handler returns is
// logged and shown as "internal error".
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return "httpapi: " + e.code + ": " + e.message }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// badParam is the 400 error for parameter name.
func badParam(name, format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, CodeBadParameter, "%s: %s", name, fmt.Sprintf(format, args...))
}

func notFound(format string, args ...any) *apiError {
	return errorf(http.StatusNotFound, CodeNotFound, format, args...)
}

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}
