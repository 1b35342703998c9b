package httpapi

import "net/http"

// RouteTable returns the method and pattern of every route New registers,
// for the OpenAPI drift test.
func RouteTable() [][2]string {
	var out [][2]string
	for _, rt := range routes() {
		out = append(out, [2]string{rt.method, rt.pattern})
	}
	return out
}

// NewHoldingHeavy is New, and a function that takes one heavy-query slot
// (as a running query would) and returns the function that gives it back.
func NewHoldingHeavy(cfg Config) (http.Handler, func() func()) {
	a, h := newAPI(cfg)
	return h, func() func() {
		a.heavySlots <- struct{}{}
		return func() { <-a.heavySlots }
	}
}
