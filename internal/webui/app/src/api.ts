// Client of the tidewatch HTTP API (/api/v1), typed by api-types.d.ts
// (generated from internal/httpapi/openapi.json): a change of the API's
// shape fails the map's type check. The optional token is kept in local
// storage and sent as a bearer token. The event stream cannot send
// headers: it opens with a single-use ticket minted with the token, so the
// token never appears in a URL.

import type * as T from './api-types.js';

export type * from './api-types.js';

const TOKEN_KEY = 'tidewatch.token';

export function getToken(): string {
  try {
    return localStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

export function setToken(token: string): void {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage disabled: the token lasts until the page is reloaded.
  }
}

// ApiError is a failed API request: status is the HTTP status (0 for a
// network error), code the API's error code if it sent one.
export class ApiError extends Error {
  status: number;
  code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
  get unauthorized(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

// Params are query parameters; null, undefined and '' are left out.
export type Params = Record<string, string | number | boolean | null | undefined>;

// GetRoutes maps each API path read without a path parameter to the type
// of its JSON answer.
export interface GetRoutes {
  '/api/v1/vessels': T.ListVesselsResponse;
  '/api/v1/search': T.SearchResponse;
  '/api/v1/events': T.EventsResponse;
  '/api/v1/zones': T.ZonesResponse;
  '/api/v1/session': T.SessionResponse;
  '/api/v1/incidents': T.ListIncidentsResponse;
  '/api/v1/audit': T.AuditResponse;
  '/api/v1/partners': T.PartnersResponse;
  '/api/v1/contacts': T.ContactsResponse;
  '/api/v1/anchorages': T.AnchoragesResponse;
}

// url builds an absolute URL for an API path and query parameters, leaving
// out empty ones.
export function url(path: string, params?: Params | null): URL {
  const u = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params || {})) {
    if (v != null && v !== '') u.searchParams.set(k, String(v));
  }
  return u;
}

// authHeaders returns the headers that carry the token, if there is one.
export function authHeaders(): Record<string, string> {
  const t = getToken();
  return t ? { Authorization: `Bearer ${t}` } : {};
}

// Timing receives when (performance.now()) an answer's headers came and
// when its body was read and parsed.
export interface Timing {
  headers: number;
  body: number;
}

// get fetches the JSON of an API path; timing, if given, is filled in.
export function get<P extends keyof GetRoutes>(path: P, params?: Params | null, signal?: AbortSignal, timing?: Timing): Promise<GetRoutes[P]> {
  return request<GetRoutes[P]>('GET', path, params, undefined, signal, timing);
}

// vesselColumns fetches the picture in its compact form (format=compact):
// one array per field, the fields the map draws; timing, if given, is
// filled in.
export function vesselColumns(params?: Params | null, signal?: AbortSignal, timing?: Timing): Promise<T.ListVesselsCompactResponse> {
  return request('GET', '/api/v1/vessels', { ...params, format: 'compact' }, undefined, signal, timing);
}

// vessel fetches one vessel's details (at a past time with params.at).
export function vessel(mmsi: number, params?: Params | null, signal?: AbortSignal): Promise<T.GetVesselResponse> {
  return request('GET', `/api/v1/vessels/${encodeURIComponent(mmsi)}`, params, undefined, signal);
}

// track fetches one vessel's track as JSON.
export function track(mmsi: number, params?: Params | null, signal?: AbortSignal): Promise<T.GetTrackResponse> {
  return request('GET', `/api/v1/vessels/${encodeURIComponent(mmsi)}/track`, params, undefined, signal);
}

// incident fetches the current version of an incident.
export function incident(id: string, signal?: AbortSignal): Promise<T.GetIncidentResponse> {
  return request('GET', `/api/v1/incidents/${encodeURIComponent(id)}`, null, undefined, signal);
}

// incidentHistory fetches every version of an incident.
export function incidentHistory(id: string, signal?: AbortSignal): Promise<T.IncidentHistoryResponse> {
  return request('GET', `/api/v1/incidents/${encodeURIComponent(id)}/history`, null, undefined, signal);
}

// createIncident creates an incident and returns its first version.
export function createIncident(r: T.CreateIncidentRequest): Promise<T.CreateIncidentResponse> {
  return request('POST', '/api/v1/incidents', null, r);
}

// putIncident writes a new version of an incident.
export function putIncident(id: string, r: T.PutIncidentRequest): Promise<T.PutIncidentResponse> {
  return request('PUT', `/api/v1/incidents/${encodeURIComponent(id)}`, null, r);
}

// deleteIncident withdraws an incident.
export function deleteIncident(id: string): Promise<T.DeleteIncidentResponse> {
  return request('DELETE', `/api/v1/incidents/${encodeURIComponent(id)}`);
}

// createZone creates a zone.
export function createZone(z: T.CreateZoneRequest): Promise<T.CreateZoneResponse> {
  return request('POST', '/api/v1/zones', null, z);
}

// putZone replaces the zone called name.
export function putZone(name: string, z: T.PutZoneRequest): Promise<T.PutZoneResponse> {
  return request('PUT', `/api/v1/zones/${encodeURIComponent(name)}`, null, z);
}

// deleteZone deletes the zone called name.
export function deleteZone(name: string): Promise<null> {
  return request('DELETE', `/api/v1/zones/${encodeURIComponent(name)}`);
}

// streamTicket mints a single-use ticket for the event stream.
export function streamTicket(): Promise<T.StreamTicketResponse> {
  return request('POST', '/api/v1/stream/ticket');
}

async function request<R>(method: string, path: string, params?: Params | null, body?: unknown, signal?: AbortSignal, timing?: Timing): Promise<R> {
  const headers: Record<string, string> = { Accept: 'application/json', ...authHeaders() };
  const init: RequestInit = { method, headers, signal };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(url(path, params), init);
  } catch (err) {
    if (err instanceof Error && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'server unreachable');
  }
  if (timing) timing.headers = performance.now();
  if (!res.ok) throw await errorOf(res);
  if (res.status === 204) return null as R;
  const out = (await res.json()) as R;
  if (timing) timing.body = performance.now();
  return out;
}

// Download is a file fetched from the API.
export interface Download {
  blob: Blob;
  filename: string;
}

// download fetches an API path with the token and returns the body as a
// Blob (its type the response's Content-Type) and the file name the
// server suggests (Content-Disposition), reduced to safe characters.
export async function download(path: string, params?: Params | null, signal?: AbortSignal): Promise<Download> {
  let res: Response;
  try {
    res = await fetch(url(path, params), { headers: authHeaders(), signal });
  } catch (err) {
    if (err instanceof Error && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'server unreachable');
  }
  if (!res.ok) throw await errorOf(res);
  const type = res.headers.get('Content-Type') || 'application/octet-stream';
  const body = await res.arrayBuffer();
  const m = /filename="?([^";]+)"?/i.exec(res.headers.get('Content-Disposition') || '');
  const filename = m ? m[1].replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100) : '';
  return { blob: new Blob([body], { type }), filename };
}

// errorOf turns a failed response into an ApiError with the API's code
// and message.
async function errorOf(res: Response): Promise<ApiError> {
  let code = '';
  let message = `${res.status} ${res.statusText}`;
  try {
    const body: unknown = await res.json();
    if (body && typeof body === 'object') {
      const b = body as { error?: unknown; code?: unknown; message?: unknown };
      const e = (b.error && typeof b.error === 'object' ? b.error : b) as { code?: unknown; message?: unknown };
      if (typeof e.code === 'string') code = e.code;
      if (typeof e.message === 'string') message = e.message;
      else if (typeof b.error === 'string') message = b.error;
    }
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(res.status, code, message);
}

// StreamState is the stream's connection state: 'closed' when the token
// was refused or revoked.
export type StreamState = 'open' | 'error' | 'closed';

// StreamHandlers receive the stream's events, typed by the API document.
export interface StreamHandlers {
  update?(v: T.StreamEvents['update'], id: string): void;
  // batch gets the batched stream's events (params.batch, a window such
  // as '500ms'): the updates, events and contacts of a window together.
  batch?(v: T.StreamEvents['batch'], id: string): void;
  event?(v: T.StreamEvents['event']): void;
  contact?(v: T.StreamEvents['contact']): void;
  ready?(v: T.StreamEvents['ready']): void;
  lagged?(v: Partial<T.StreamEvents['lagged']>): void;
  state?(s: StreamState): void;
}

// Stream is an open event stream.
export interface Stream {
  close(): void;
}

// stream opens the live event stream: "update" events carry a vessel
// summary (with params.batch, "batch" events carry a window's updates,
// events and contacts together instead), "event" a detected event (gap, encounter, ...) that opened or
// changed, "contact" a radar or satellite contact, "ready" the newest
// sequence number, "lagged" the news that updates were skipped (reload the
// picture). With a token, each connection opens with a fresh single-use
// ticket (POST /api/v1/stream/ticket), so a dropped connection is reopened
// here (after 2 s, resuming after the last event seen) rather than by the
// EventSource. on.state gets 'open', 'error' or 'closed' (the token was
// refused or revoked). It returns a handle whose close() ends the stream.
export function stream(params: Params, on: StreamHandlers): Stream {
  let es: EventSource | null = null;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  let since = params.since;
  const again = () => {
    es?.close();
    es = null;
    if (!closed) retry = setTimeout(open, 2000);
  };
  const open = async () => {
    if (closed) return;
    let ticket: string | undefined;
    if (getToken()) {
      try {
        ticket = (await streamTicket()).ticket;
      } catch (err) {
        if (closed) return;
        if (err instanceof ApiError && err.unauthorized) {
          on.state?.('closed');
          return;
        }
        on.state?.('error');
        again();
        return;
      }
      if (closed) return;
    }
    const src = new EventSource(url('/api/v1/stream', { ...params, since, ticket }));
    es = src;
    // parse returns the event's JSON object; the server is trusted to send
    // the documented shape (the contract tests check it).
    const parse = <K extends keyof T.StreamEvents>(_name: K, ev: MessageEvent<string>): T.StreamEvents[K] | null => {
      if (ev.lastEventId) since = ev.lastEventId;
      try {
        const v: unknown = JSON.parse(ev.data);
        return v && typeof v === 'object' ? (v as T.StreamEvents[K]) : null;
      } catch {
        return null;
      }
    };
    src.addEventListener('update', (ev) => {
      const v = parse('update', ev);
      if (v) on.update?.(v, ev.lastEventId);
    });
    src.addEventListener('batch', (ev) => {
      const v = parse('batch', ev);
      if (v) on.batch?.(v, ev.lastEventId);
    });
    src.addEventListener('event', (ev) => {
      const v = parse('event', ev);
      if (v) on.event?.(v);
    });
    src.addEventListener('contact', (ev) => {
      const v = parse('contact', ev);
      if (v) on.contact?.(v);
    });
    src.addEventListener('ready', (ev) => {
      const v = parse('ready', ev);
      if (v) on.ready?.(v);
    });
    src.addEventListener('lagged', (ev) => on.lagged?.(parse('lagged', ev) || {}));
    src.addEventListener('revoked', () => {
      closed = true;
      es?.close();
      on.state?.('closed');
    });
    src.addEventListener('open', () => on.state?.('open'));
    src.addEventListener('error', () => {
      if (closed) return;
      on.state?.('error');
      again();
    });
  };
  open();
  return {
    close() {
      closed = true;
      clearTimeout(retry);
      es?.close();
    },
  };
}

// send sends a JSON body (unless body is undefined) with method to an API
// path and returns the JSON answer, or null for one without a body (204).
// The typed functions above are preferred: send's answer is unknown.
export function send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<unknown> {
  return request<unknown>(method, path, null, body, signal);
}

// The OGC API (/ogc) is a standard of its own, not described by
// openapi.json: the map reads two of its answers, typed here by what it
// uses of them.

// OGCCollection is an OGC API collection's description.
export interface OGCCollection {
  extent?: { temporal?: { interval?: (string | null)[][] } };
}

// OGCTracks is the tracks collection's items: one LineString per vessel.
export interface OGCTracks {
  type: 'FeatureCollection';
  features: import('geojson').Feature[];
}

// ogcCollection fetches the description of an OGC API collection.
export function ogcCollection(name: string, signal?: AbortSignal): Promise<OGCCollection> {
  return request('GET', `/ogc/collections/${encodeURIComponent(name)}`, null, undefined, signal);
}

// ogcTracks fetches the items of the OGC tracks collection.
export function ogcTracks(params: Params, signal?: AbortSignal): Promise<OGCTracks> {
  return request('GET', '/ogc/collections/tracks/items', params, undefined, signal);
}

// trackGeoJSON fetches one vessel's track as GeoJSON (format=geojson).
export function trackGeoJSON(mmsi: number, params?: Params | null, signal?: AbortSignal): Promise<T.GetTrackGeoJSONResponse> {
  return request('GET', `/api/v1/vessels/${encodeURIComponent(mmsi)}/track`, { ...params, format: 'geojson' }, undefined, signal);
}
