package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tidewatch/tidewatch/internal/policy"
)

const policyUsage = `Usage: tidewatch policy check FILE

Checks a sharing policy file (DIR/policy.json; the format is in the README's
sharing section) as a running node would load it, and prints, for each
partner, each rule it sets, the bounding box [west, south, east, north] of
each area it names, and sample decisions: where a cargo vessel's position
goes, and what happens to vessels of other types (fishing, military, law
enforcement, not yet known). Exits with status 1 and the error (partner,
field and what is wrong) when the file is not valid.
`

func runPolicy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		fmt.Fprint(stderr, policyUsage)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	fs := newFlagSet("policy "+args[0], policyUsage, stderr)
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	if args[0] != "check" {
		return usageError(fs, stderr, "unknown policy command %q (check)", args[0])
	}
	if fs.NArg() != 1 {
		return usageError(fs, stderr, "check needs one FILE")
	}
	path := fs.Arg(0)
	p, err := policy.Load(path)
	if err != nil {
		return err
	}
	return printPolicy(stdout, path, p)
}

// printPolicy writes the report of "policy check".
func printPolicy(w io.Writer, path string, p *policy.Policy) error {
	b, err := p.MarshalJSON()
	if err != nil {
		return err
	}
	var file struct {
		Partners map[string]map[string]json.RawMessage `json:"partners"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		return err
	}
	names := p.Partners()
	fmt.Fprintf(w, "%s: valid; node %s, %d partner(s); a partner the file does not name gets nothing\n", path, p.Node(), len(names))
	for _, name := range names {
		pt := p.Partner(name)
		fmt.Fprintf(w, "\npartner %s\n", name)
		rules := file.Partners[name]
		keys := make([]string, 0, len(rules))
		for k := range rules {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			switch k {
			case "include_areas":
				fmt.Fprintf(w, "  include_areas:%s\n", areaList(pt.IncludeAreas()))
			case "exclude_areas":
				fmt.Fprintf(w, "  exclude_areas:%s\n", areaList(pt.ExcludeAreas()))
			default:
				fmt.Fprintf(w, "  %s: %s\n", k, rules[k])
			}
		}
		if _, ok := rules["include_areas"]; !ok {
			fmt.Fprintln(w, "  include_areas: none (everywhere)")
		}
		fmt.Fprintln(w, "  sample decisions (a local position):")
		for _, s := range pt.Samples() {
			verdict := "deny "
			if s.Decision.Allow {
				verdict = "allow"
			}
			fmt.Fprintf(w, "    %s  %s (%.4f, %.4f)  [%s]\n", verdict, s.What, s.Lat, s.Lon, s.Decision.Rule)
		}
	}
	return nil
}

func areaList(as []policy.AreaBounds) string {
	var sb strings.Builder
	for _, a := range as {
		fmt.Fprintf(&sb, "\n    %s  bbox [%g, %g, %g, %g]", a.Name, a.West, a.South, a.East, a.North)
		if a.West > a.East {
			sb.WriteString(" (across the antimeridian)")
		}
	}
	return sb.String()
}
