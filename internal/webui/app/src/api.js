// Client of the tidewatch HTTP API (/api/v1). The optional token is kept in
// local storage and sent as a bearer token (as ?access_token= on the event
// stream, which cannot send headers).

const TOKEN_KEY = 'tidewatch.token';

export function getToken() {
  try {
    return localStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

export function setToken(token) {
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
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
  get unauthorized() {
    return this.status === 401 || this.status === 403;
  }
}

// url builds an absolute URL for an API path and query parameters, leaving
// out empty ones.
export function url(path, params) {
  const u = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params || {})) {
    if (v != null && v !== '') u.searchParams.set(k, String(v));
  }
  return u;
}

// authHeaders returns the headers that carry the token, if there is one.
export function authHeaders() {
  const t = getToken();
  return t ? { Authorization: `Bearer ${t}` } : {};
}

// get fetches JSON from an API path.
export async function get(path, params, signal) {
  let res;
  try {
    res = await fetch(url(path, params), { headers: { Accept: 'application/json', ...authHeaders() }, signal });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'server unreachable');
  }
  if (!res.ok) {
    let code = '';
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = await res.json();
      const e = body.error && typeof body.error === 'object' ? body.error : body;
      if (typeof e.code === 'string') code = e.code;
      if (typeof e.message === 'string') message = e.message;
      else if (typeof body.error === 'string') message = body.error;
    } catch {
      // Not JSON: keep the status line.
    }
    throw new ApiError(res.status, code, message);
  }
  return res.json();
}

// stream opens the live event stream. onUpdate gets each vessel summary.
// The EventSource reconnects by itself; onState reports 'open' or 'error'.
export function stream(params, onUpdate, onState) {
  const t = getToken();
  const es = new EventSource(url('/api/v1/stream', { ...params, access_token: t || undefined }));
  es.addEventListener('update', (ev) => {
    let v;
    try {
      v = JSON.parse(ev.data);
    } catch {
      return;
    }
    if (v && typeof v === 'object') onUpdate(v, ev.lastEventId);
  });
  es.addEventListener('open', () => onState('open'));
  es.addEventListener('error', () => onState(es.readyState === EventSource.CLOSED ? 'closed' : 'error'));
  return es;
}
