package event

import (
	"reflect"
	"slices"
	"testing"
)

// TestStateFormatComplete: the engine state's format (stateFormat) lists
// every field of every struct type the engine holds, or stateNotSaved
// excludes it: a field added to the engine (or to any type it holds)
// fails here until it is put into the format or explicitly left out, so
// the format never changes by accident. Every name the two tables give
// is a field of its type, none twice, and no type is listed that the
// engine no longer holds.
func TestStateFormatComplete(t *testing.T) {
	seen := map[string]bool{}
	var walk func(reflect.Type)
	walk = func(ty reflect.Type) {
		switch ty.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			walk(ty.Elem())
		case reflect.Map:
			walk(ty.Key())
			walk(ty.Elem())
		case reflect.Struct:
			name := ty.String()
			if seen[name] {
				return
			}
			seen[name] = true
			saved, ok := stateFormat[name]
			if !ok {
				t.Errorf("the engine holds %s, which the state format does not list (stateFormat in state.go)", name)
				return
			}
			skipped := stateNotSaved[name]
			all := slices.Concat(saved, skipped)
			for _, n := range all {
				if f, ok := ty.FieldByName(n); !ok || len(f.Index) != 1 {
					t.Errorf("the state format names %s.%s, which %s does not have (renamed? that is a new version: see stateFormat)", name, n, name)
				}
			}
			if sorted := slices.Sorted(slices.Values(all)); len(slices.Compact(sorted)) != len(all) {
				t.Errorf("%s: a field is listed twice in stateFormat and stateNotSaved", name)
			}
			for i := range ty.NumField() {
				f := ty.Field(i)
				switch {
				case slices.Contains(skipped, f.Name):
				case slices.Contains(saved, f.Name):
					walk(f.Type)
				default:
					t.Errorf("%s.%s (%s) is neither in the state format (stateFormat) nor left out of it (stateNotSaved)", name, f.Name, f.Type)
				}
			}
		}
	}
	walk(engineType)
	for name := range stateFormat {
		if !seen[name] {
			t.Errorf("the state format lists %s, which the engine no longer holds", name)
		}
	}
	for name := range stateNotSaved {
		if _, ok := stateFormat[name]; !ok {
			t.Errorf("stateNotSaved lists %s, which the state format does not", name)
		}
	}
}

// TestStateFormatCatches: the check above finds a field that is in
// neither table, and a type that is not listed; AppendState refuses to
// save a type the format does not list.
func TestStateFormatCatches(t *testing.T) {
	type added struct {
		Lat, Lon float64
		extra    int
	}
	if _, err := stateFields(reflect.TypeFor[added]()); err == nil {
		t.Error("stateFields of a type the format does not list: no error")
	}
	enc := stateEnc{ptrs: map[stateRef]uint64{}, types: map[reflect.Type][]int{}}
	enc.structFields(reflect.ValueOf(added{}))
	if enc.err == nil {
		t.Error("encoding a type the format does not list: no error")
	}
	fs, err := stateFields(engineType)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != len(stateFormat["event.Engine"]) || len(fs)+len(stateNotSaved["event.Engine"]) != engineType.NumField() {
		t.Errorf("the engine saves %d fields and leaves out %d of its %d", len(fs), len(stateNotSaved["event.Engine"]), engineType.NumField())
	}
}
