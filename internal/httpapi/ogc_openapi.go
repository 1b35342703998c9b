package httpapi

import (
	"net/http"
	"strconv"
)

// ogcAPI serves the OpenAPI 3.0 definition of the OGC API (/ogc/api), the
// "service-desc" of the landing page, with the server URL the client
// asked for. GDAL's OAPIF driver reads it for the limit's bounds.
func (a *api) ogcAPI(w http.ResponseWriter, r *http.Request) error {
	return writeJSONType(w, http.StatusOK, "application/vnd.oai.openapi+json;version=3.0", ogcOpenAPI(base(r)+"/ogc"))
}

// ogcOpenAPI builds the document for a server URL.
func ogcOpenAPI(server string) map[string]any {
	type m = map[string]any
	ref := func(s string) m { return m{"$ref": s} }
	errResp := ref("#/components/responses/Error")
	ok := func(desc, media string, schema m) m {
		return m{"description": desc, "content": m{media: m{"schema": schema}}}
	}
	op := func(id, summary string, params []any, resp m) m {
		if params == nil {
			params = []any{}
		}
		return m{"get": m{"operationId": id, "summary": summary, "parameters": params,
			"responses": m{"200": resp, "400": errResp, "401": errResp, "403": errResp, "404": errResp, "500": errResp}}}
	}
	obj := m{"type": "object"}
	paths := m{
		"/":            op("getLandingPage", "The landing page", nil, ok("The landing page", mediaJSON, obj)),
		"/conformance": op("getConformance", "The conformance classes", nil, ok("conformsTo", mediaJSON, obj)),
		"/api":         op("getAPI", "This document", nil, ok("The API definition", mediaOpenAPI, obj)),
		"/collections": op("getCollections", "The collections", nil, ok("The collections", mediaJSON, obj)),
	}
	for _, c := range ogcCollections() {
		p := "/collections/" + c.id
		paths[p] = op("describe_"+c.id, c.title+": the collection", nil, ok(c.title, mediaJSON, obj))
		params := []any{ref("#/components/parameters/bbox"), ref("#/components/parameters/limit"), ref("#/components/parameters/offset")}
		if c.temporal {
			params = append(params, ref("#/components/parameters/datetime"))
		}
		paths[p+"/items"] = op("get_"+c.id, c.title+": "+c.description, params,
			ok("A page of features, with numberMatched, numberReturned and next links", mediaGeoJSON, obj))
		paths[p+"/items/{featureId}"] = op("get_"+c.id+"_feature", c.title+": one feature",
			[]any{ref("#/components/parameters/featureId")}, ok("The feature", mediaGeoJSON, obj))
	}
	q := func(name, desc string, schema m, style ...string) m {
		p := m{"name": name, "in": "query", "required": false, "description": desc, "schema": schema}
		if len(style) > 0 {
			p["style"], p["explode"] = style[0], false
		}
		return p
	}
	return m{
		"openapi": "3.0.3",
		"info": m{"title": "tidewatch OGC API - Features", "version": "1.0.0",
			"description": "The picture, positions history, tracks, events, zones and incidents of a tidewatch node. Every route needs Authorization: Bearer TOKEN (read role)."},
		"servers":  []m{{"url": server}},
		"paths":    paths,
		"security": []m{{"bearer": []string{}}},
		"components": m{
			"securitySchemes": m{"bearer": m{"type": "http", "scheme": "bearer"}},
			"parameters": m{
				"bbox": q("bbox", "west,south,east,north in degrees, CRS84 (west > east crosses the antimeridian)",
					m{"type": "array", "minItems": 4, "maxItems": 4, "items": m{"type": "number"}}, "form"),
				"datetime": q("datetime", "An instant or an interval start/end (RFC 3339; .. or empty for an open end)", m{"type": "string"}),
				"limit": q("limit", "Features per page (default "+strconv.Itoa(OGCDefaultLimit)+")",
					m{"type": "integer", "minimum": 1, "maximum": OGCMaxLimit, "default": OGCDefaultLimit}),
				"offset":    q("offset", "Features to skip: the next links carry it", m{"type": "integer", "minimum": 0, "default": 0}),
				"featureId": m{"name": "featureId", "in": "path", "required": true, "schema": m{"type": "string"}},
			},
			"responses": m{"Error": ok("An error: {\"error\":{\"code\",\"message\"}}", mediaJSON, obj)},
		},
	}
}
