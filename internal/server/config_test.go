package server

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

func TestConfig(t *testing.T) {
	c, err := ReadConfig(strings.NewReader(`{"data":"/tmp/x","inputs":[
		{"type":"tcp-server","listen":":10110"},
		{"type":"tcp-client","name":"feed","address":"ais.example.org:5631"},
		{"type":"udp","listen":"127.0.0.1:10111"},
		{"type":"replay","file":"a.nmea.gz","speed":60,"loop":true}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:8080" || c.Inputs[0].Name != "tcp-server::10110" || c.Inputs[1].Name != "feed" || c.Inputs[3].Name != "replay:a.nmea.gz" {
		t.Errorf("defaults: %+v", c)
	}
	for _, tc := range []struct{ json, want string }{
		{`{"data":"d","inputz":[]}`, "unknown field"},
		{`{"data":"d","inputs":[{"type":"serial"}]}`, "unknown type"},
		{`{"data":"d","inputs":[{"type":"tcp-client","address":"nohost"}]}`, "address"},
		{`{"data":"d","inputs":[{"type":"replay"}]}`, "no file"},
		{`{"data":"d","inputs":[{"type":"udp","listen":":1"},{"type":"udp","listen":":1"}]}`, "two inputs named"},
		{`{"data":"d","tls":{"cert":"c"}}`, "both cert and key"},
		{`{"listen":"127.0.0.1:1"}`, "no data directory"},
		{`{"data":"d","listen":"8080"}`, "listen"},
		{`{"data":"d","inputs":[{"type":"tcp-server","listen":":1","max_conns":-5}]}`, "max_conns -5"},
		{`{"data":"d","inputs":[{"type":"tcp-server","listen":":1","max_conns_per_addr":-2}]}`, "max_conns_per_addr -2"},
		{`{"data":"d","inputs":[{"type":"tcp-server","listen":":1","idle_timeout":"soon"}]}`, "idle_timeout"},
		{`{"data":"d","inputs":[{"type":"tcp-server","listen":":1","evict_idle":"5 min"}]}`, "evict_idle"},
		{`{"data":"d","api":{"heavy_timeout":"-5s"}}`, "heavy_timeout"},
		{`{"data":"d","api":{"max_heavy":-1}}`, "max_heavy"},
	} {
		c, err := ReadConfig(strings.NewReader(tc.json))
		if err == nil {
			err = c.Validate()
		}
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want an ErrConfig mentioning %q", tc.json, err, tc.want)
		}
	}
	c, err = ReadConfig(strings.NewReader(`{"data":"d","api":{"heavy_timeout":"30s","max_heavy":2},"inputs":[
		{"type":"tcp-server","listen":":10110","max_conns":200,"max_conns_per_addr":-1,"idle_timeout":"2m","evict_idle":"-1s"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("limits: %v", err)
	}
	c = Config{Data: "d", Listen: "0.0.0.0:8080", AllowAnonymousRead: true}
	if err := c.Validate(); err == nil {
		t.Error("anonymous reads on a public address accepted")
	}
	for addr, want := range map[string]bool{"127.0.0.1:1": true, "[::1]:1": true, "localhost:1": true, ":1": false, "0.0.0.0:1": false, "10.0.0.1:1": false} {
		if IsLoopback(addr) != want {
			t.Errorf("IsLoopback(%q) != %v", addr, want)
		}
	}
	if d, err := vessel.ParseDuration("90d"); err != nil || d != 90*24*time.Hour {
		t.Errorf("90d: %v %v", d, err)
	}
}

func TestSelfSigned(t *testing.T) {
	cfg, err := tlsConfig(TLS{SelfSigned: true}, time.Now())
	if err != nil || len(cfg.Certificates) != 1 {
		t.Fatalf("%v", err)
	}
}
