package webui_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/tidewatch/tidewatch/internal/webui"
)

func ExampleHandler() {
	mux := http.NewServeMux()
	mux.Handle("/", webui.Handler())

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Cache-Control"))
	// Output: 200 text/html; charset=utf-8 no-cache
}
