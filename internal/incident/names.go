package incident

import (
	"strconv"
	"strings"
)

var tlpNames = [...]string{"TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED"}

// Valid reports whether t is one of the five TLP 2.0 markings.
func (t TLP) Valid() bool { return t >= TLPClear && t <= TLPRed }

// String returns the marking as TLP 2.0 writes it: "TLP:CLEAR",
// "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT" or "TLP:RED"; "TLP(n)" for
// a value that is not a marking.
func (t TLP) String() string {
	if t.Valid() {
		return tlpNames[t]
	}
	return "TLP(" + strconv.Itoa(int(t)) + ")"
}

// MarshalText returns t.String(), or an error for a value that is not a
// marking.
func (t TLP) MarshalText() ([]byte, error) {
	if !t.Valid() {
		return nil, fieldErr("tlp", "not a marking: %d", int(t))
	}
	return []byte(tlpNames[t]), nil
}

// UnmarshalText sets t with ParseTLP.
func (t *TLP) UnmarshalText(b []byte) error {
	v, err := ParseTLP(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// ParseTLP reads a TLP 2.0 marking, with or without the "TLP:" prefix and
// in any case: "TLP:AMBER+STRICT", "amber+strict", "Clear". TLP 1.0's
// WHITE, which TLP 2.0 renamed, reads as TLPClear. Surrounding space is
// ignored. Anything else is a *FieldError for the field "tlp".
func ParseTLP(s string) (TLP, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	if len(u) <= 20 {
		if !strings.HasPrefix(u, "TLP:") {
			u = "TLP:" + u
		}
		if u == "TLP:WHITE" {
			return TLPClear, nil
		}
		for i, n := range tlpNames {
			if u == n {
				return TLP(i), nil
			}
		}
	}
	return 0, fieldErr("tlp", "unknown marking %s", quote(s, 40))
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k == KindIncident || k == KindAssessment }

// ParseKind reads a kind, "incident" or "assessment", in any case and
// with surrounding space ignored.
func ParseKind(s string) (Kind, error) {
	k := Kind(strings.ToLower(strings.TrimSpace(s)))
	if k.Valid() {
		return k, nil
	}
	return "", fieldErr("kind", "unknown kind %s", quote(s, 40))
}

// categories lists the categories in the order of Categories, with their
// labels.
var categories = [...]struct {
	c     Category
	label string
}{
	{Piracy, "Piracy and armed robbery"},
	{Smuggling, "Contraband smuggling"},
	{IUUFishing, "Illegal, unreported and unregulated (IUU) fishing"},
	{Migration, "Irregular human migration"},
	{MaritimeIncid, "Maritime incidents (collisions, groundings, search and rescue)"},
	{SecurityThreat, "Maritime security threats (hybrid threats, terrorism)"},
	{Pollution, "Environmental pollution"},
	{Disaster, "Natural disaster and HADR"},
	{Other, "Other"},
}

// Categories returns every category, in the order of IFC-IOR's monthly
// updates followed by natural disaster/HADR and other. Show them with
// Label.
func Categories() []Category {
	out := make([]Category, len(categories))
	for i, c := range categories {
		out[i] = c.c
	}
	return out
}

// Valid reports whether c is a known category.
func (c Category) Valid() bool { return c.Label() != "" }

// Label returns the human name of the category ("Piracy and armed
// robbery"), or "" for an unknown one.
func (c Category) Label() string {
	for _, e := range categories {
		if e.c == c {
			return e.label
		}
	}
	return ""
}

// ParseCategory reads a category by its name ("iuu_fishing"), in any
// case, with '-' or ' ' for '_', and with surrounding space ignored.
func ParseCategory(s string) (Category, error) {
	n := strings.ToLower(strings.TrimSpace(s))
	n = strings.NewReplacer("-", "_", " ", "_").Replace(n)
	if c := Category(n); c.Valid() {
		return c, nil
	}
	return "", fieldErr("category", "unknown category %s", quote(s, 40))
}

// quote quotes s for an error message, cut to at most n bytes first:
// input is untrusted and may be long.
func quote(s string, n int) string {
	if len(s) > n {
		return strconv.Quote(s[:n]) + "..."
	}
	return strconv.Quote(s)
}
