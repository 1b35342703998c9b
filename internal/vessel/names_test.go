package vessel_test

import (
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

func TestShipTypeName(t *testing.T) {
	tests := []struct {
		t    uint8
		want string
	}{
		{0, "Not available"},
		{1, "Reserved"},
		{19, "Reserved"},
		{20, "Wing in ground"},
		{21, "Wing in ground, hazardous category A"},
		{24, "Wing in ground, hazardous category D"},
		{25, "Wing in ground, reserved"},
		{29, "Wing in ground, no additional information"},
		{30, "Fishing"},
		{31, "Towing"},
		{32, "Towing, length over 200 m or breadth over 25 m"},
		{33, "Dredging or underwater ops"},
		{34, "Diving ops"},
		{35, "Military ops"},
		{36, "Sailing"},
		{37, "Pleasure craft"},
		{38, "Reserved"},
		{39, "Reserved"},
		{40, "High-speed craft"},
		{42, "High-speed craft, hazardous category B"},
		{49, "High-speed craft, no additional information"},
		{50, "Pilot vessel"},
		{51, "Search and rescue vessel"},
		{52, "Tug"},
		{53, "Port tender"},
		{54, "Anti-pollution equipment"},
		{55, "Law enforcement"},
		{56, "Local vessel"},
		{58, "Medical transport"},
		{59, "Noncombatant ship (RR Resolution No. 18)"},
		{60, "Passenger"},
		{61, "Passenger, hazardous category A"},
		{64, "Passenger, hazardous category D"},
		{65, "Passenger, reserved"},
		{69, "Passenger, no additional information"},
		{70, "Cargo"},
		{73, "Cargo, hazardous category C"},
		{79, "Cargo, no additional information"},
		{80, "Tanker"},
		{89, "Tanker, no additional information"},
		{90, "Other type"},
		{99, "Other type, no additional information"},
		{100, "Unknown"},
		{255, "Unknown"},
	}
	for _, tt := range tests {
		if got := vessel.ShipTypeName(tt.t); got != tt.want {
			t.Errorf("ShipTypeName(%d) = %q; want %q", tt.t, got, tt.want)
		}
	}
	for i := range 256 {
		if vessel.ShipTypeName(uint8(i)) == "" {
			t.Errorf("ShipTypeName(%d) is empty", i)
		}
	}
}

func TestShipCategory(t *testing.T) {
	tests := []struct {
		lo, hi uint8
		want   vessel.Category
	}{
		{0, 19, vessel.CategoryUnknown},
		{20, 29, vessel.CategoryWingInGround},
		{30, 30, vessel.CategoryFishing},
		{31, 32, vessel.CategoryTug},
		{33, 34, vessel.CategorySpecial},
		{35, 35, vessel.CategoryMilitary},
		{36, 36, vessel.CategorySailing},
		{37, 37, vessel.CategoryPleasure},
		{38, 39, vessel.CategoryUnknown},
		{40, 49, vessel.CategoryHighSpeed},
		{50, 50, vessel.CategoryPilot},
		{51, 51, vessel.CategorySAR},
		{52, 52, vessel.CategoryTug},
		{53, 54, vessel.CategorySpecial},
		{55, 55, vessel.CategoryLawEnforcement},
		{56, 59, vessel.CategoryOther},
		{60, 69, vessel.CategoryPassenger},
		{70, 79, vessel.CategoryCargo},
		{80, 89, vessel.CategoryTanker},
		{90, 99, vessel.CategoryOther},
		{100, 255, vessel.CategoryUnknown},
	}
	covered := 0
	for _, tt := range tests {
		for i := int(tt.lo); i <= int(tt.hi); i++ {
			covered++
			if got := vessel.ShipCategory(uint8(i)); got != tt.want {
				t.Errorf("ShipCategory(%d) = %v; want %v", i, got, tt.want)
			}
		}
	}
	if covered != 256 {
		t.Errorf("table covers %d type codes; want all 256", covered)
	}
}

func TestCategoryString(t *testing.T) {
	want := []string{"unknown", "cargo", "tanker", "passenger", "fishing", "tug", "pilot", "sar",
		"military", "law_enforcement", "pleasure", "sailing", "high_speed", "wing_in_ground", "special", "other"}
	for i, name := range want {
		c := vessel.Category(i)
		if got := c.String(); got != name {
			t.Errorf("Category(%d).String() = %q; want %q", i, got, name)
		}
		if got, ok := vessel.ParseCategory(name); !ok || got != c {
			t.Errorf("ParseCategory(%q) = %v, %v; want %v, true", name, got, ok, c)
		}
	}
	if got := vessel.Category(len(want)).String(); got != "unknown" {
		t.Errorf("Category(%d).String() = %q; want \"unknown\"", len(want), got)
	}
	for _, name := range []string{"", "Cargo", "dredging", "tanker "} {
		if got, ok := vessel.ParseCategory(name); ok {
			t.Errorf("ParseCategory(%q) = %v, true; want false", name, got)
		}
	}
}

func TestNavStatusString(t *testing.T) {
	tests := []struct {
		s          vessel.NavStatus
		name, text string
	}{
		{0, "under_way_using_engine", "Under way using engine"},
		{1, "at_anchor", "At anchor"},
		{2, "not_under_command", "Not under command"},
		{3, "restricted_manoeuvrability", "Restricted manoeuvrability"},
		{4, "constrained_by_draught", "Constrained by her draught"},
		{5, "moored", "Moored"},
		{6, "aground", "Aground"},
		{7, "engaged_in_fishing", "Engaged in fishing"},
		{8, "under_way_sailing", "Under way sailing"},
		{9, "reserved_hsc", "Reserved for high-speed craft"},
		{10, "reserved_wig", "Reserved for wing in ground"},
		{11, "power_driven_towing_astern", "Power-driven vessel towing astern"},
		{12, "power_driven_pushing_ahead", "Power-driven vessel pushing ahead or towing alongside"},
		{13, "reserved_13", "Reserved"},
		{14, "ais_sart_active", "AIS-SART active"},
		{vessel.NoStatus, "not_defined", "Not defined"},
		{16, "not_defined", "Not defined"},
		{255, "not_defined", "Not defined"},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.name {
			t.Errorf("NavStatus(%d).String() = %q; want %q", tt.s, got, tt.name)
		}
		if got := tt.s.Text(); got != tt.text {
			t.Errorf("NavStatus(%d).Text() = %q; want %q", tt.s, got, tt.text)
		}
		if tt.s > vessel.NoStatus {
			continue
		}
		if got, ok := vessel.ParseNavStatus(tt.name); !ok || got != tt.s {
			t.Errorf("ParseNavStatus(%q) = %d, %v; want %d, true", tt.name, got, ok, tt.s)
		}
	}
	if got, ok := vessel.ParseNavStatus("Moored"); ok {
		t.Errorf("ParseNavStatus(%q) = %d, true; want false", "Moored", got)
	}
	for s := range vessel.NoStatus {
		if n := s.String(); strings.ToLower(n) != n || strings.Contains(n, " ") {
			t.Errorf("NavStatus(%d).String() = %q; want snake_case", s, n)
		}
	}
}
