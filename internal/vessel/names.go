package vessel

// shipTypeNames holds the ITU-R M.1371 (Annex 8, table 53) names of the
// ship and cargo types 0-99. Groups of ten that share a hazard scheme
// (wing in ground, high-speed craft, passenger, cargo, tanker, other) name
// the group alone for the x0 code ("Cargo", not "Cargo, all ships of this
// type").
var shipTypeNames = func() [100]string {
	var t [100]string
	for i := range t {
		t[i] = "Reserved"
	}
	t[0] = "Not available"
	hazard := func(base int, name string) {
		t[base] = name
		for i, c := range "ABCD" {
			t[base+1+i] = name + ", hazardous category " + string(c)
		}
		for i := base + 5; i <= base+8; i++ {
			t[i] = name + ", reserved"
		}
		t[base+9] = name + ", no additional information"
	}
	hazard(20, "Wing in ground")
	hazard(40, "High-speed craft")
	hazard(60, "Passenger")
	hazard(70, "Cargo")
	hazard(80, "Tanker")
	hazard(90, "Other type")
	t[30] = "Fishing"
	t[31] = "Towing"
	t[32] = "Towing, length over 200 m or breadth over 25 m"
	t[33] = "Dredging or underwater ops"
	t[34] = "Diving ops"
	t[35] = "Military ops"
	t[36] = "Sailing"
	t[37] = "Pleasure craft"
	t[50] = "Pilot vessel"
	t[51] = "Search and rescue vessel"
	t[52] = "Tug"
	t[53] = "Port tender"
	t[54] = "Anti-pollution equipment"
	t[55] = "Law enforcement"
	t[56] = "Local vessel"
	t[57] = "Local vessel"
	t[58] = "Medical transport"
	t[59] = "Noncombatant ship (RR Resolution No. 18)"
	return t
}()

// ShipTypeName returns the ITU-R M.1371 name of AIS ship and cargo type t:
// "Not available" for 0, "Reserved" for the codes reserved for future use
// (1-19, 38, 39) and "Unknown" for 100-255, which the standard does not
// define.
func ShipTypeName(t uint8) string {
	if int(t) >= len(shipTypeNames) {
		return "Unknown"
	}
	return shipTypeNames[t]
}

// Category is a coarse grouping of the AIS ship and cargo types, for
// filters, map symbols and statistics. Its String form is the stable name
// to store or exchange; the numeric values may change between versions.
type Category uint8

// The categories, with the ship and cargo types each covers.
const (
	CategoryUnknown        Category = iota // 0, reserved codes and 100-255
	CategoryCargo                          // 70-79
	CategoryTanker                         // 80-89
	CategoryPassenger                      // 60-69
	CategoryFishing                        // 30
	CategoryTug                            // 31, 32 (towing) and 52
	CategoryPilot                          // 50
	CategorySAR                            // 51
	CategoryMilitary                       // 35
	CategoryLawEnforcement                 // 55
	CategoryPleasure                       // 37
	CategorySailing                        // 36
	CategoryHighSpeed                      // 40-49
	CategoryWingInGround                   // 20-29
	CategorySpecial                        // 33, 34, 53, 54: dredging, diving, port tenders, anti-pollution
	CategoryOther                          // 56-59 and 90-99
)

var categoryNames = [...]string{
	CategoryUnknown:        "unknown",
	CategoryCargo:          "cargo",
	CategoryTanker:         "tanker",
	CategoryPassenger:      "passenger",
	CategoryFishing:        "fishing",
	CategoryTug:            "tug",
	CategoryPilot:          "pilot",
	CategorySAR:            "sar",
	CategoryMilitary:       "military",
	CategoryLawEnforcement: "law_enforcement",
	CategoryPleasure:       "pleasure",
	CategorySailing:        "sailing",
	CategoryHighSpeed:      "high_speed",
	CategoryWingInGround:   "wing_in_ground",
	CategorySpecial:        "special",
	CategoryOther:          "other",
}

// String returns the short snake_case name of c ("cargo",
// "law_enforcement", ...), "unknown" for values out of range.
func (c Category) String() string {
	if int(c) < len(categoryNames) {
		return categoryNames[c]
	}
	return categoryNames[CategoryUnknown]
}

// ParseCategory returns the category named name, as String writes it.
func ParseCategory(name string) (Category, bool) {
	for i, n := range categoryNames {
		if n == name {
			return Category(i), true
		}
	}
	return CategoryUnknown, false
}

// ShipCategory returns the category of AIS ship and cargo type t.
func ShipCategory(t uint8) Category {
	switch {
	case t >= 20 && t <= 29:
		return CategoryWingInGround
	case t == 30:
		return CategoryFishing
	case t == 31 || t == 32 || t == 52:
		return CategoryTug
	case t == 33 || t == 34 || t == 53 || t == 54:
		return CategorySpecial
	case t == 35:
		return CategoryMilitary
	case t == 36:
		return CategorySailing
	case t == 37:
		return CategoryPleasure
	case t >= 40 && t <= 49:
		return CategoryHighSpeed
	case t == 50:
		return CategoryPilot
	case t == 51:
		return CategorySAR
	case t == 55:
		return CategoryLawEnforcement
	case t >= 56 && t <= 59:
		return CategoryOther
	case t >= 60 && t <= 69:
		return CategoryPassenger
	case t >= 70 && t <= 79:
		return CategoryCargo
	case t >= 80 && t <= 89:
		return CategoryTanker
	case t >= 90 && t <= 99:
		return CategoryOther
	}
	return CategoryUnknown // 0 (not available), 1-19, 38, 39 (reserved), 100-255
}

var navStatusNames = [16]string{
	"under_way_using_engine",
	"at_anchor",
	"not_under_command",
	"restricted_manoeuvrability",
	"constrained_by_draught",
	"moored",
	"aground",
	"engaged_in_fishing",
	"under_way_sailing",
	"reserved_hsc",
	"reserved_wig",
	"power_driven_towing_astern",
	"power_driven_pushing_ahead",
	"reserved_13",
	"ais_sart_active",
	"not_defined",
}

var navStatusTexts = [16]string{
	"Under way using engine",
	"At anchor",
	"Not under command",
	"Restricted manoeuvrability",
	"Constrained by her draught",
	"Moored",
	"Aground",
	"Engaged in fishing",
	"Under way sailing",
	"Reserved for high-speed craft",
	"Reserved for wing in ground",
	"Power-driven vessel towing astern",
	"Power-driven vessel pushing ahead or towing alongside",
	"Reserved",
	"AIS-SART active",
	"Not defined",
}

// String returns the short snake_case name of s ("under_way_using_engine",
// "at_anchor", ...); NoStatus and values above it are "not_defined".
func (s NavStatus) String() string { return navStatusNames[min(s, NoStatus)] }

// Text returns the human-readable form of s ("Under way using engine",
// "At anchor", ...); NoStatus and values above it are "Not defined".
func (s NavStatus) Text() string { return navStatusTexts[min(s, NoStatus)] }

// ParseNavStatus returns the status named name, as String writes it.
func ParseNavStatus(name string) (NavStatus, bool) {
	for i, n := range navStatusNames {
		if n == name {
			return NavStatus(i), true
		}
	}
	return NoStatus, false
}
