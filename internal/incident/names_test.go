package incident_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/tidewatch/tidewatch/internal/incident"
)

func TestParseTLP(t *testing.T) {
	tests := []struct {
		in   string
		want incident.TLP
		ok   bool
	}{
		{"TLP:CLEAR", incident.TLPClear, true},
		{"CLEAR", incident.TLPClear, true},
		{"clear", incident.TLPClear, true},
		{" tlp:clear ", incident.TLPClear, true},
		{"TLP:WHITE", incident.TLPClear, true},
		{"green", incident.TLPGreen, true},
		{"TLP:AMBER", incident.TLPAmber, true},
		{"Amber", incident.TLPAmber, true},
		{"TLP:AMBER+STRICT", incident.TLPAmberStrict, true},
		{"amber+strict", incident.TLPAmberStrict, true},
		{"tlp:red", incident.TLPRed, true},
		{"", 0, false},
		{"TLP:", 0, false},
		{"amber strict", 0, false},
		{"amber+", 0, false},
		{"TLP:TLP:RED", 0, false},
		{"blue", 0, false},
		{"TLP:REDX", 0, false},
	}
	for _, tt := range tests {
		got, err := incident.ParseTLP(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseTLP(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && !errors.Is(err, incident.ErrInvalid) {
			t.Errorf("ParseTLP(%q) error %v does not wrap ErrInvalid", tt.in, err)
		}
	}
}

func TestTLPString(t *testing.T) {
	want := []string{"TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED"}
	for i, w := range want {
		tl := incident.TLP(i)
		if tl.String() != w {
			t.Errorf("TLP(%d).String() = %q; want %q", i, tl.String(), w)
		}
		back, err := incident.ParseTLP(tl.String())
		if err != nil || back != tl {
			t.Errorf("ParseTLP(%q) = %v, %v", tl.String(), back, err)
		}
		b, err := json.Marshal(tl)
		if err != nil || string(b) != `"`+w+`"` {
			t.Errorf("json.Marshal(%v) = %s, %v", tl, b, err)
		}
		var u incident.TLP
		if err := json.Unmarshal(b, &u); err != nil || u != tl {
			t.Errorf("json.Unmarshal(%s) = %v, %v", b, u, err)
		}
	}
	if !(incident.TLPClear < incident.TLPGreen && incident.TLPGreen < incident.TLPAmber &&
		incident.TLPAmber < incident.TLPAmberStrict && incident.TLPAmberStrict < incident.TLPRed) {
		t.Error("markings are not ordered from least to most restricted")
	}
	if s := incident.TLP(9).String(); s != "TLP(9)" {
		t.Errorf("TLP(9).String() = %q", s)
	}
	if _, err := json.Marshal(incident.TLP(-1)); err == nil {
		t.Error("json.Marshal(TLP(-1)) succeeded")
	}
	var u incident.TLP
	if err := json.Unmarshal([]byte(`"purple"`), &u); err == nil {
		t.Error(`json.Unmarshal("purple") succeeded`)
	}
}

func TestCategories(t *testing.T) {
	cs := incident.Categories()
	if len(cs) != 9 {
		t.Fatalf("%d categories; want 9", len(cs))
	}
	labels := map[string]bool{}
	for _, c := range cs {
		l := c.Label()
		if l == "" || labels[l] {
			t.Errorf("category %q: label %q empty or repeated", c, l)
		}
		labels[l] = true
		got, err := incident.ParseCategory(string(c))
		if err != nil || got != c {
			t.Errorf("ParseCategory(%q) = %q, %v", c, got, err)
		}
	}
	for in, want := range map[string]incident.Category{
		"IUU-Fishing": incident.IUUFishing, " piracy_armed_robbery ": incident.Piracy,
		"natural disaster hadr": incident.Disaster, "OTHER": incident.Other,
	} {
		if got, err := incident.ParseCategory(in); err != nil || got != want {
			t.Errorf("ParseCategory(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "piracy", "fishing", "other2"} {
		if _, err := incident.ParseCategory(in); !errors.Is(err, incident.ErrInvalid) {
			t.Errorf("ParseCategory(%q) error %v; want ErrInvalid", in, err)
		}
	}
	if incident.Category("nope").Label() != "" {
		t.Error("unknown category has a label")
	}
}

func TestParseKind(t *testing.T) {
	for in, want := range map[string]incident.Kind{"incident": incident.KindIncident, " Assessment": incident.KindAssessment} {
		if got, err := incident.ParseKind(in); err != nil || got != want {
			t.Errorf("ParseKind(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "report", "incidents"} {
		if _, err := incident.ParseKind(in); err == nil {
			t.Errorf("ParseKind(%q) succeeded", in)
		}
	}
}
