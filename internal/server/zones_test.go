package server

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/httpapi"
)

// TestZoneEditingLive: an admin creates a zone through the API of a
// running node; a report inside it opens a zone entry at once (the engine
// took the zone without a restart); deleting the zone closes the entry;
// the zones survive a restart as edited, not as the configuration had
// them.
func TestZoneEditingLive(t *testing.T) {
	tcp := freePort(t)
	data := filepath.Join(t.TempDir(), "data")
	cfg := Config{Data: data, Listen: "127.0.0.1:0", Land: "none", Events: Events{Reorder: "1s"},
		Inputs: []Input{{Type: "tcp-server", Name: "receivers", Listen: tcp}}}
	tokens, err := OpenTokens(data) // as tidewatch token create does, before the first start
	if err != nil {
		t.Fatal(err)
	}
	admin, err := tokens.Create("ops", httpapi.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	reader, _ := tokens.Create("watch", httpapi.RoleRead)
	start := func() (string, func()) {
		node := startNode(t, Options{Config: cfg})
		return node.base, func() { node.stop(t) }
	}
	call := func(base, method, path, token string, body any) *http.Response {
		t.Helper()
		var b bytes.Buffer
		if body != nil {
			json.NewEncoder(&b).Encode(body)
		}
		req, _ := http.NewRequest(method, base+path, &b)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := apiClient(t).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	const name = "<B>Mumbai approach</B>"
	zone := map[string]any{"type": "Feature", "properties": map[string]any{"name": name, "authority": "IFC-IOR"},
		"geometry": map[string]any{"type": "Polygon", "coordinates": [][][]float64{{{72.4, 18.6}, {72.8, 18.6}, {72.8, 19.0}, {72.4, 19.0}, {72.4, 18.6}}}}}
	events := func(base, typ string) []map[string]any {
		resp := call(base, "GET", "/api/v1/events?type="+typ, reader, nil)
		defer resp.Body.Close()
		var out struct{ Events []map[string]any }
		json.NewDecoder(resp.Body).Decode(&out)
		return out.Events
	}

	base, stop := start()
	if resp := call(base, "POST", "/api/v1/zones", reader, zone); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a read token created a zone: %s", resp.Status)
	}
	if resp := call(base, "POST", "/api/v1/zones", admin, zone); resp.StatusCode != http.StatusCreated {
		t.Fatalf("create zone: %s", resp.Status)
	}
	if resp := call(base, "POST", "/api/v1/zones", admin, zone); resp.StatusCode != http.StatusConflict {
		t.Fatalf("create the zone again: %s, want 409", resp.Status)
	}
	c, err := net.Dial("tcp", tcp)
	if err != nil {
		t.Fatal(err)
	}
	c.Write(hostileSentences(t, time.Now().Add(-3*time.Second)))
	c.Close()
	waitFor(t, 20*time.Second, "the zone entry in the new zone", func() bool {
		for _, e := range events(base, "zone_entry") {
			if e["zone"] == name && e["end"] == nil {
				return true
			}
		}
		return false
	})
	if resp := call(base, "DELETE", "/api/v1/zones/"+url.PathEscape(name), admin, nil); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete zone: %s", resp.Status)
	}
	waitFor(t, 20*time.Second, "the zone exit of the deleted zone", func() bool {
		for _, e := range events(base, "zone_exit") {
			if m, _ := e["measures"].(map[string]any); e["zone"] == name && m["zone_removed"] == 1.0 {
				return true
			}
		}
		return false
	})
	for _, e := range events(base, "zone_entry") {
		if e["zone"] == name && e["end"] == nil {
			t.Errorf("the entry of the deleted zone is still open: %v", e)
		}
	}
	// A second zone, kept over a restart.
	zone["properties"] = map[string]any{"name": "Gulf of Aden IRTC"}
	if resp := call(base, "PUT", "/api/v1/zones/"+url.PathEscape("Gulf of Aden IRTC"), admin, zone); resp.StatusCode != http.StatusOK {
		t.Fatalf("put zone: %s", resp.Status)
	}
	stop()
	base, stop = start()
	defer stop()
	resp := call(base, "GET", "/api/v1/zones", reader, nil)
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	json.NewDecoder(resp.Body).Decode(&fc)
	resp.Body.Close()
	if len(fc.Features) != 1 || fc.Features[0].Properties["name"] != "Gulf of Aden IRTC" {
		t.Errorf("zones after a restart: %+v; want the one edited zone", fc.Features)
	}
}
