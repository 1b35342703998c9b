// Client of the tidewatch HTTP API (/api/v1). The optional token is kept in
// local storage and sent as a bearer token. The event stream cannot send
// headers: it opens with a single-use ticket minted with the token, so the
// token never appears in a URL.

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
  return request('GET', path, params, undefined, signal);
}

// send sends a JSON body (unless body is undefined) with method to an API
// path and returns the JSON answer, or null for one without a body (204).
export async function send(method, path, body, signal) {
  return request(method, path, null, body, signal);
}

async function request(method, path, params, body, signal) {
  const headers = { Accept: 'application/json', ...authHeaders() };
  const init = { method, headers, signal };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url(path, params), init);
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'server unreachable');
  }
  if (!res.ok) throw await errorOf(res);
  if (res.status === 204) return null;
  return res.json();
}

// download fetches an API path with the token and returns the body as a
// Blob (its type the response's Content-Type) and the file name the
// server suggests (Content-Disposition), reduced to safe characters.
export async function download(path, params, signal) {
  let res;
  try {
    res = await fetch(url(path, params), { headers: authHeaders(), signal });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
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
async function errorOf(res) {
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
  return new ApiError(res.status, code, message);
}

// stream opens the live event stream: "update" events carry a vessel
// summary, "event" a detected event (gap, encounter, ...) that opened or
// changed, "contact" a radar or satellite contact, "ready" the newest sequence number, "lagged" the news that
// updates were skipped (reload the picture). With a token, each
// connection opens with a fresh single-use ticket (POST
// /api/v1/stream/ticket), so a dropped connection is reopened here (after
// 2 s, resuming after the last event seen) rather than by the
// EventSource. on.state gets 'open', 'error' or 'closed' (the token was
// refused or revoked). It returns a handle whose close() ends the stream.
export function stream(params, on) {
  let es = null;
  let retry = null;
  let closed = false;
  let since = params.since;
  const again = () => {
    es?.close();
    es = null;
    if (!closed) retry = setTimeout(open, 2000);
  };
  const open = async () => {
    if (closed) return;
    let ticket;
    if (getToken()) {
      try {
        ticket = (await send('POST', '/api/v1/stream/ticket')).ticket;
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
    es = new EventSource(url('/api/v1/stream', { ...params, since, ticket }));
    const parse = (ev) => {
      if (ev.lastEventId) since = ev.lastEventId;
      try {
        const v = JSON.parse(ev.data);
        return v && typeof v === 'object' ? v : null;
      } catch {
        return null;
      }
    };
    es.addEventListener('update', (ev) => {
      const v = parse(ev);
      if (v) on.update(v, ev.lastEventId);
    });
    es.addEventListener('event', (ev) => {
      const v = parse(ev);
      if (v) on.event?.(v);
    });
    es.addEventListener('contact', (ev) => {
      const v = parse(ev);
      if (v) on.contact?.(v);
    });
    es.addEventListener('ready', (ev) => {
      const v = parse(ev);
      if (v) on.ready?.(v);
    });
    es.addEventListener('lagged', (ev) => on.lagged?.(parse(ev) || {}));
    es.addEventListener('revoked', () => {
      closed = true;
      es?.close();
      on.state?.('closed');
    });
    es.addEventListener('open', () => on.state?.('open'));
    es.addEventListener('error', () => {
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
