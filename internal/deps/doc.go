// Package deps holds no code. Its test enforces the dependency rules of
// tidewatch's packages (STYLE.md §5): which in-module packages each may
// import, which may use the network, read flags, or start goroutines.
// A new package must be added to the table in deps_test.go.
// TestFunctionLength holds the functions of internal/server and
// cmd/tidewatch to at most 100 lines each (issue 12).
package deps
