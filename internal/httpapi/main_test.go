package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/httpapi/bind"
	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/recorder"
	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// fixture is the real data every test reads: a day of NOAA AIS ingested
// through ingest and recorder into a store and a picture. It is built once
// in TestMain and only read afterwards.
type fixture struct {
	db          *store.DB
	pic         *fusion.Picture
	now         time.Time // the picture's clock
	tokens      *httpapi.Tokens
	read, admin string // tokens
}

var fx fixture

// clock is the picture's clock in the tests: the data is mostly the first
// 25 minutes of 2022-01-03 (with a few later reports, which then lie in the
// future).
var clock = time.Date(2022, 1, 3, 0, 30, 0, 0, time.UTC)

const noaa = "../../testdata/tracks/noaa_us_coast_20220103.csv.gz"

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "httpapi-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := 1
	if err := setup(dir); err != nil {
		fmt.Fprintln(os.Stderr, "setup:", err)
	} else {
		code = m.Run()
		fx.db.Close()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

func setup(dir string) error {
	db, err := store.Open(filepath.Join(dir, "data"), store.Options{Sync: store.SyncNone})
	if err != nil {
		return err
	}
	pic := fusion.NewPicture(fusion.Config{})
	rec := recorder.New(pic, db, recorder.Options{CommitEvery: 20000})
	if _, err := ingest.Observations(context.Background(), noaa, nil, ingest.ObserveOptions{}, rec.Record); err != nil {
		return err
	}
	if err := rec.Commit(); err != nil {
		return err
	}
	if _, _, ok := db.Bounds(); !ok {
		return fmt.Errorf("empty store")
	}
	tokens, err := httpapi.OpenTokens(filepath.Join(dir, "tokens.json"))
	if err != nil {
		return err
	}
	read, err := tokens.Create("reader", httpapi.RoleRead)
	if err != nil {
		return err
	}
	admin, err := tokens.Create("boss", httpapi.RoleAdmin)
	if err != nil {
		return err
	}
	fx = fixture{db: db, pic: pic, now: clock, tokens: tokens, read: read, admin: admin}
	return nil
}

// newServer starts the API on a loopback port with the fixture's data;
// mod may change the config.
func newServer(t *testing.T, mod func(*httpapi.Config)) *httptest.Server {
	t.Helper()
	cfg := httpapi.Config{
		DB: bind.History(fx.db), Picture: bind.Picture(fx.pic), Export: bind.Exporter(fx.db), Tokens: fx.tokens, Hub: httpapi.NewHub(0),
		Registry: prometheus.NewRegistry(), Now: func() time.Time { return fx.now },
	}
	if mod != nil {
		mod(&cfg)
	}
	srv := httptest.NewServer(validating(t, newContract(t), httpapi.New(cfg)))
	t.Cleanup(srv.Close)
	return srv
}

// do sends a request with the token (none if "") and returns the status
// and body.
func do(t *testing.T, method, url, token string, body io.Reader, hdr ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, data
}

// getJSON GETs url with the read token, wants 200 and decodes into v.
func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	code, _, body := do(t, "GET", url, fx.read, nil)
	if code != http.StatusOK {
		t.Fatalf("GET %s = %d %s; want 200", url, code, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v in %s", url, err, body)
	}
}

// apiErr decodes an error body.
type apiErr struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func wantError(t *testing.T, what string, code int, body []byte, wantCode int, wantErr string, mention string) {
	t.Helper()
	if code != wantCode {
		t.Errorf("%s = %d %s; want %d", what, code, body, wantCode)
		return
	}
	var e apiErr
	if err := json.Unmarshal(body, &e); err != nil {
		t.Errorf("%s: body %s is not a JSON error: %v", what, body, err)
		return
	}
	if e.Error.Code != wantErr {
		t.Errorf("%s: code %q; want %q", what, e.Error.Code, wantErr)
	}
	if !strings.Contains(e.Error.Message, mention) {
		t.Errorf("%s: message %q does not mention %q", what, e.Error.Message, mention)
	}
}

func mmsiOf(s string) vessel.MMSI {
	var m vessel.MMSI
	fmt.Sscan(s, &m)
	return m
}
