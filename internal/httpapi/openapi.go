package httpapi

import (
	_ "embed"
	"net/http"
)

// openapiJSON is the OpenAPI 3.1 document of the API, written by hand and
// checked against the route table by TestOpenAPIMatchesRoutes.
//
//go:embed openapi.json
var openapiJSON []byte

// OpenAPI returns the OpenAPI 3.1 document of the API (a copy).
func OpenAPI() []byte { return append([]byte(nil), openapiJSON...) }

func (a *api) openapi(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-cache")
	return writeBody(w, http.StatusOK, "application/json", openapiJSON)
}
