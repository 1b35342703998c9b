package httpapi

import "testing"

// TestNegotiate checks the coding chosen for the Accept-Encoding headers
// real clients send, and for weights that refuse or prefer a coding.
func TestNegotiate(t *testing.T) {
	tests := []struct {
		name   string
		header []string
		want   encoding
	}{
		{"none", nil, identity},
		{"Chrome 124", []string{"gzip, deflate, br, zstd"}, encZstd},
		{"Firefox 126", []string{"gzip, deflate, br, zstd"}, encZstd},
		{"Safari 17", []string{"gzip, deflate, br"}, encGzip},
		{"curl --compressed (curl 8 with zstd)", []string{"deflate, gzip, br, zstd"}, encZstd},
		{"Go net/http transport", []string{"gzip"}, encGzip},
		{"python-requests", []string{"gzip, deflate"}, encGzip},
		{"QGIS / GDAL (libcurl)", []string{"deflate, gzip"}, encGzip},
		{"identity only", []string{"identity"}, identity},
		{"gzip refused", []string{"gzip;q=0"}, identity},
		{"gzip preferred by weight", []string{"zstd;q=0.5, gzip;q=1.0"}, encGzip},
		{"zstd preferred by weight", []string{"gzip;q=0.5, zstd"}, encZstd},
		{"upper case and spaces", []string{" GZIP ; Q=0.8 "}, encGzip},
		{"star", []string{"*"}, encZstd},
		{"star refused but gzip named", []string{"gzip, *;q=0"}, encGzip},
		{"two header lines", []string{"br", "gzip"}, encGzip},
		{"malformed weight ignored", []string{"zstd;q=abc, gzip"}, encGzip},
		{"weight out of range ignored", []string{"gzip;q=2"}, identity},
		{"x-gzip", []string{"x-gzip"}, encGzip},
	}
	for _, tt := range tests {
		if got := negotiate(tt.header); got != tt.want {
			t.Errorf("%s: negotiate(%q) = %v; want %v", tt.name, tt.header, got, tt.want)
		}
	}
}

// TestETagMatches checks If-None-Match by weak comparison.
func TestETagMatches(t *testing.T) {
	const etag = `W/"ab-12-cd-ef"`
	tests := []struct {
		header string
		want   bool
	}{
		{"", false},
		{etag, true},
		{`"ab-12-cd-ef"`, true},
		{`W/"other", W/"ab-12-cd-ef"`, true},
		{`W/"other"`, false},
		{`*`, true},
		{`W/"ab-12-cd-e"`, false},
	}
	for _, tt := range tests {
		if got := etagMatches(tt.header, etag); got != tt.want {
			t.Errorf("etagMatches(%q, %q) = %v; want %v", tt.header, etag, got, tt.want)
		}
	}
}
