package httpapi

import (
	"encoding/json"
	"net/http"
	"reflect"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// RouteTable returns the method and pattern of every route New registers,
// for the OpenAPI drift test.
func RouteTable() [][2]string {
	var out [][2]string
	for _, rt := range routes() {
		out = append(out, [2]string{rt.method, rt.pattern})
	}
	return out
}

// NewHoldingHeavy is New, and a function that takes one heavy-query slot
// (as a running query would) and returns the function that gives it back.
func NewHoldingHeavy(cfg Config) (http.Handler, func() func()) {
	a, h := newAPI(cfg)
	return h, func() func() {
		a.heavySlots <- struct{}{}
		return func() { <-a.heavySlots }
	}
}

// VesselsJSON returns the answer listing list (sorted) as of ref as the
// API writes it (appendVessels) and as encoding/json writes the
// vesselsResponse of Summaries, for the equivalence tests.
func VesselsJSON(list []Update, ref vessel.Time, limit int) (fast, std []byte, err error) {
	resp := vesselsResponse{Time: ref.String(), Count: len(list), Vessels: make([]Summary, 0, min(len(list), limit))}
	all := list
	if len(list) > limit {
		list, resp.Truncated = list[:limit], true
	}
	for i := range list {
		resp.Vessels = append(resp.Vessels, summaryOf(&list[i], ref))
	}
	std, err = json.Marshal(resp)
	return appendVessels(nil, all, ref, limit), std, err
}

// SummaryJSON returns the JSON of u's summary as appendSummary writes it
// and as encoding/json writes summaryOf.
func SummaryJSON(u Update, ref vessel.Time) (fast, std []byte, err error) {
	s := summaryOf(&u, ref)
	std, err = json.Marshal(s)
	return appendSummary(nil, &u, ref), std, err
}

// ContractType is a Go type that writes (or reads) the JSON of a schema
// of openapi.json: Where names the schema, either "#/components/schemas/X"
// or "METHOD PATH STATUS CONTENT-TYPE" for a response, "METHOD PATH
// request CONTENT-TYPE" for a request body.
type ContractType struct {
	Where string
	Type  reflect.Type
}

// compactResponse is the shape appendCompact writes (format=compact),
// for the contract test; TestCompactMatchesFull decodes real answers
// into its twin and compares them with the full answers.
type compactResponse struct {
	Time      string     `json:"time"`
	Count     int        `json:"count"`
	Truncated bool       `json:"truncated"`
	MMSI      []uint32   `json:"mmsi"`
	Lat       []*float64 `json:"lat"`
	Lon       []*float64 `json:"lon"`
	SOG       []*float64 `json:"sog"`
	COG       []*float64 `json:"cog"`
	Heading   []*int     `json:"heading"`
	Category  []string   `json:"category"`
	Flag      []*string  `json:"flag"`
	AgeS      []*int64   `json:"age_s"`
	Name      []*string  `json:"name"`
	CallSign  []*string  `json:"callsign"`
	IMO       []*uint32  `json:"imo"`
}

// ContractTypes lists the Go types of the API's JSON, for the contract
// test (contract_types_test.go) that compares them with openapi.json.
// Types with a MarshalJSON of their own (event.Event, incident.Incident,
// Contact, the zones' GeoJSON) are checked by value instead.
func ContractTypes() []ContractType {
	type_ := reflect.TypeFor[vesselsResponse]()
	return []ContractType{
		{"GET /api/v1/vessels 200 application/json", type_},
		{"GET /api/v1/vessels 200 " + CompactMediaType, reflect.TypeFor[compactResponse]()},
		{"GET /api/v1/search 200 application/json", type_},
		{"GET /api/v1/vessels/{mmsi} 200 application/json", reflect.TypeFor[Detail]()},
		{"GET /api/v1/vessels/{mmsi}/track 200 application/json", reflect.TypeFor[trackResponse]()},
		{"GET /api/v1/vessels/{mmsi}/track 200 application/geo+json", reflect.TypeFor[geoCollection]()},
		{"#/components/schemas/TrackLineProperties", reflect.TypeFor[trackLineProperties]()},
		{"#/components/schemas/TrackPointProperties", reflect.TypeFor[trackPointProperties]()},
		{"#/components/schemas/Summary", reflect.TypeFor[Summary]()},
		{"GET /api/v1/near 200 application/json", reflect.TypeFor[resultsResponse[NearResult]]()},
		{"POST /api/v1/area 200 application/json", reflect.TypeFor[resultsResponse[AreaResult]]()},
		{"POST /api/v1/area request application/json", reflect.TypeFor[areaRequest]()},
		{"POST /api/v1/stream/ticket 201 application/json", reflect.TypeFor[ticketResponse]()},
		{"GET /api/v1/events 200 application/json", reflect.TypeFor[eventsResponse]()},
		{"GET /api/v1/contacts 200 application/json", reflect.TypeFor[contactsResponse]()},
		{"GET /api/v1/anchorages 200 application/geo+json", reflect.TypeFor[anchorageCollection]()},
		{"GET /api/v1/tokens 200 application/json", reflect.TypeFor[tokensResponse]()},
		{"GET /healthz 200 application/json", reflect.TypeFor[healthResponse]()},
		{"GET /readyz 200 application/json", reflect.TypeFor[healthResponse]()},
		{"GET /api/v1/session 200 application/json", reflect.TypeFor[sessionResponse]()},
		{"GET /api/v1/incidents 200 application/json", reflect.TypeFor[incidentsResponse]()},
		{"GET /api/v1/incidents/{id}/history 200 application/json", reflect.TypeFor[historyResponse]()},
		{"GET /api/v1/audit 200 application/json", reflect.TypeFor[auditResponse]()},
		{"GET /api/v1/partners 200 application/json", reflect.TypeFor[partnersResponse]()},
		{"POST /api/v1/zones request application/json", reflect.TypeFor[zoneRequest]()},
		{"PUT /api/v1/zones/{name} request application/json", reflect.TypeFor[zoneRequest]()},
		{"#/components/schemas/Error", reflect.TypeFor[errorBody]()},
	}
}
