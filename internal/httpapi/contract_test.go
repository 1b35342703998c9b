package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/tidewatch/tidewatch/internal/httpapi/apitest"
)

// contract checks responses against openapi.json: every test server of
// the package (newServer) answers through validating, so that every
// response of every test is checked against the schema of its route,
// method, status and content type. The checks are apitest's, which
// internal/server's tests use on what a running node answers.
type contract struct {
	doc *apitest.Doc
}

// newContract parses the document New serves.
func newContract(t testing.TB) *contract {
	t.Helper()
	return &contract{doc: apitest.Load(t)}
}

// validating wraps h so that every response is checked against c's
// document (apitest.Handler).
func validating(t testing.TB, c *contract, h http.Handler) http.Handler {
	return apitest.Handler(t, c.doc, h)
}
