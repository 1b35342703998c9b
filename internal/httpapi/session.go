package httpapi

import (
	"net/http"
)

// sessionResponse is the body of GET /api/v1/session.
type sessionResponse struct {
	// Role is the role of the request's credentials: RoleRead or
	// RoleAdmin.
	Role string `json:"role"`
	// Name is the token's name, or "anonymous" for a request without a
	// token (Config.AllowAnonymousRead).
	Name string `json:"name"`
	// ZoneEditing tells whether this session may create, replace and
	// delete zones: an admin on a node with a ZoneEditor.
	ZoneEditing bool `json:"zone_editing"`
	// Node is this node's name (Config.NodeName), so that the map tells
	// partners' records from its own; omitted when not set.
	Node string `json:"node,omitempty"`
}

// session answers GET /api/v1/session: who the request's credentials are,
// so that the web map shows the tools their role may use. The route needs
// the read role, so wrap has already refused missing or invalid tokens.
func (a *api) session(w http.ResponseWriter, r *http.Request) error {
	resp := sessionResponse{Role: RoleRead, Name: "anonymous"}
	if tok, sent := bearer(r); sent {
		info, ok := a.cfg.Tokens.lookupHash(tokenHash(tok), a.cfg.Clock())
		if !ok {
			// authorize accepted it a moment ago: revoked since.
			return errorf(http.StatusUnauthorized, CodeUnauthorized, "the token is not valid")
		}
		resp.Role, resp.Name = info.Role, info.Name
	}
	resp.ZoneEditing = resp.Role == RoleAdmin && a.cfg.ZoneEditor != nil
	resp.Node = a.cfg.NodeName
	return writeJSON(w, http.StatusOK, resp)
}
