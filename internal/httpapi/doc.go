// Package httpapi is the HTTP API of a tidewatch node, versioned under
// /api/v1: the picture (vessels, one vessel, search), history (track, near,
// area), the live stream, the OpenAPI document, metrics, health, and the
// token authentication in front of them.
package httpapi
