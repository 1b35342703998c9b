// Package webui serves the web map: a single-page MapLibre GL JS
// application, built at development time and embedded in the binary, so it
// works with no internet at all.
package webui
