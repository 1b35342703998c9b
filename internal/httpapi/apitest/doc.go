// Package apitest checks HTTP responses against the API's contract,
// openapi.json: test helpers, imported only by _test.go files (the import
// rules of internal/deps enforce it).
//
// It owns the validator of the subset of JSON Schema (2020-12) the
// document uses ([Keywords]; objects closed by additionalProperties or
// unevaluatedProperties), the check of one response by route, method,
// status, content type and body ([Doc.Check]) and of one live-stream event
// against the stream's x-events ([Doc.CheckEvent]), and two ways to run
// every response of a test through them:
//
//   - [Handler] wraps an http.Handler (httpapi's own tests serve the API
//     through it);
//   - [Client] and [Transport] check on the client side what a test
//     receives from a running node (internal/server's tests).
//
// A mismatch fails the test that made the request, naming the request;
// at most [MaxReported] mismatches are reported per response and
// [MaxCheckedEvents] events of each name per stream.
//
// # Concurrency
//
// A Doc is read-only once made and safe for concurrent use; so are the
// handler and the transport, which may serve a test's goroutines.
package apitest
