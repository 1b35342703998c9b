package event

import (
	"reflect"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Types the engine holds in memory otherwise than the state format
// holds them: the format keeps the type the field had when the format
// was made (its Go type in the schema record, its bytes in the body),
// and AppendState and LoadState convert, so that a state saved before
// the change loads and one saved after it is the same bytes.
//
// A vessel's passes (its latest reception runs' starts) were a
// [passRing]vessel.Time array, zero past the runs recorded; in memory
// they are a slice as long as the runs recorded, up to passRing (see
// passes). Saved, the slice is that array; loaded, the array becomes a
// slice of passRing, which passes reads and writes as the array was.
var (
	passesType       = reflect.TypeFor[passes]()
	passesFormatType = reflect.TypeFor[[passRing]vessel.Time]()
)

// stateTypeName is the Go type the format gives a field of type t.
func stateTypeName(t reflect.Type) string {
	if t == passesType {
		return passesFormatType.String()
	}
	return t.String()
}

// stateSaved returns the value the format holds for v (v itself but for
// the converted types).
func stateSaved(v reflect.Value) reflect.Value {
	if v.Type() != passesType {
		return v
	}
	a := reflect.New(passesFormatType).Elem()
	for i := range min(v.Len(), passRing) {
		a.Index(i).SetInt(v.Index(i).Int())
	}
	return a
}

// stateLoad decodes a value of a converted type into v (settable) and
// reports whether v is of one.
func (d *stateDec) stateLoad(v reflect.Value) bool {
	if v.Type() != passesType {
		return false
	}
	var a [passRing]vessel.Time
	d.value(reflect.ValueOf(&a).Elem())
	if d.err == nil {
		v.Set(reflect.ValueOf(passes(a[:])))
	}
	return true
}
