package httpapi

// RouteTable returns the method and pattern of every route New registers,
// for the OpenAPI drift test.
func RouteTable() [][2]string {
	var out [][2]string
	for _, rt := range routes() {
		out = append(out, [2]string{rt.method, rt.pattern})
	}
	return out
}
