// The sharing panel, for admins: the partner nodes this node shares with
// (one card each: certificate, link and inbound counters, refreshed every
// 10 s while the panel is open) and the audit log of what was sent,
// received and refused, with filters.
//
// Partner names, addresses, fingerprints, error texts, audit keys, rules
// and origins come from partner nodes and the network: they reach the
// page as text nodes only.
import { h, $ } from './dom.js';
import * as api from './api.js';
import * as fmt from './format.js';
import type { AuditEntry, Partner, Session } from './api.js';

// SharingPage is what the panel needs of the page.
export interface SharingPage {
  serverNow: () => number;
  onVessel: (mmsi: string) => void;
  closeOthers: () => void;
  onError: (err: unknown) => void;
}

// PartnersState is how the partners list stands.
type PartnersState = '' | 'ok' | 'unshared' | 'forbidden' | 'error';

const REFRESH_MS = 10e3;
const AUDIT_LIMIT = 500;
const SPANS: [number, string][] = [
  [1, 'last 1 h'],
  [24, 'last 24 h'],
  [168, 'last 7 days'],
];
const DEFAULT_SPAN = 24;
const DIRECTIONS: [string, string][] = [
  ['', 'All directions'],
  ['sent', 'Sent'],
  ['received', 'Received'],
  ['refused', 'Refused'],
];
const KINDS: [string, string][] = [
  ['', 'All kinds'],
  ['position', 'Positions'],
  ['static', 'Static data'],
  ['event', 'Events'],
  ['incident', 'Incidents'],
  ['assessment', 'Assessments'],
  ['link', 'Link (connects, refusals)'],
];
// Statuses of a partner's certificate that need attention.
const WARN_STATUS = new Set(['revoked', 'expired', 'not yet valid']);
// The key of a position or static report: MMSI@time.
const MMSI_KEY = /^(\d{9})(?:@|$)/;

function iso(t: number): string {
  return new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');
}

// count formats a counter: a number, or a dash when absent.
function count(v: unknown): string {
  return typeof v === 'number' && Number.isFinite(v) ? String(v) : fmt.DASH;
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

// mmsiOf returns the MMSI an audit entry's key names (positions and
// static reports), or null.
export function mmsiOf(e: Pick<AuditEntry, 'kind' | 'key'>): string | null {
  if (e.kind !== 'position' && e.kind !== 'static') return null;
  const m = MMSI_KEY.exec(String(e.key ?? ''));
  return m ? m[1] : null;
}

// Sharing is the sharing panel. It needs from the page: serverNow() (ms),
// onVessel(mmsi) (open a vessel's panel), closeOthers() (close the panels
// that share its place) and onError(err).
export class Sharing {
  timer: ReturnType<typeof setInterval> | undefined;
  auditAbort: AbortController | null;
  partnersAbort: AbortController | null;
  auditLoaded: boolean;
  /** the query of the table shown */
  auditQuery: string | null;
  auditRows: number;
  auditLoads: number;
  partnersState: PartnersState;
  /** answers shown */
  partnerLoads: number;
  /** the last answer's partners */
  partners: Partner[];
  view: 'partners' | 'audit';
  /** an admin session */
  enabled: boolean;
  onError: (err: unknown) => void;
  closeOthers: () => void;
  onVessel: (mmsi: string) => void;
  serverNow: () => number;
  constructor({ serverNow, onVessel, closeOthers, onError }: SharingPage) {
    this.serverNow = serverNow;
    this.onVessel = onVessel;
    this.closeOthers = closeOthers;
    this.onError = onError;
    this.enabled = false; // an admin session
    this.view = 'partners'; // partners or audit
    this.partners = []; // the last answer's partners
    this.partnerLoads = 0; // answers shown
    this.partnersState = ''; // '', 'ok', 'unshared', 'forbidden', 'error'
    this.auditLoads = 0;
    this.auditRows = 0;
    this.auditQuery = null; // the query of the table shown
    this.auditLoaded = false;
    this.partnersAbort = null;
    this.auditAbort = null;
    this.timer = undefined;
  }

  get open() {
    return !$('sharing').hidden;
  }

  wire() {
    $('sharing-btn').addEventListener('click', () => this.setOpen(!this.open));
    $('sharing-close').addEventListener('click', () => this.setOpen(false));
    $('sharing-tab-partners').addEventListener('click', () => this.setView('partners'));
    $('sharing-tab-audit').addEventListener('click', () => this.setView('audit'));
    $('audit-direction').replaceChildren(...DIRECTIONS.map(([v, label]) => h('option', { value: v, text: label })));
    $('audit-kind').replaceChildren(...KINDS.map(([v, label]) => h('option', { value: v, text: label })));
    $('audit-span').replaceChildren(...SPANS.map(([hrs, label]) => h('option', { value: String(hrs), text: label, selected: hrs === DEFAULT_SPAN })));
    this.renderPartnerOptions();
    for (const id of ['audit-partner', 'audit-direction', 'audit-kind', 'audit-span']) {
      $(id).addEventListener('change', () => this.loadAudit());
    }
    // The key applies on Enter (or when cleared), not on blur: a reload
    // then would move the table under a click on one of its keys.
    const key = $<HTMLInputElement>('audit-key');
    key.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        this.loadAudit();
      }
    });
    key.addEventListener('input', () => {
      if (key.value === '' && this.auditParamsChanged()) this.loadAudit();
    });
    $('audit-refresh').addEventListener('click', () => this.loadAudit());
  }

  // setSession shows the Sharing button to admins only.
  setSession(s: Session | null): void {
    this.enabled = s?.role === 'admin';
    $('sharing-btn').hidden = !this.enabled;
    if (!this.enabled) this.setOpen(false);
  }

  setOpen(open: boolean): void {
    open = open && this.enabled;
    $('sharing').hidden = !open;
    $('sharing-btn').setAttribute('aria-expanded', String(open));
    clearInterval(this.timer);
    this.timer = undefined;
    if (!open) {
      this.partnersAbort?.abort();
      this.auditAbort?.abort();
      return;
    }
    this.closeOthers();
    this.setView(this.view);
    this.loadPartners();
    this.timer = setInterval(() => {
      if (!document.hidden) this.loadPartners();
    }, REFRESH_MS);
  }

  setView(view: 'partners' | 'audit'): void {
    this.view = view;
    $('sharing-partners').hidden = view !== 'partners';
    $('sharing-audit').hidden = view !== 'audit';
    $('sharing-tab-partners').setAttribute('aria-pressed', String(view === 'partners'));
    $('sharing-tab-audit').setAttribute('aria-pressed', String(view === 'audit'));
    if (view === 'audit' && this.open && this.auditQuery == null) this.loadAudit();
  }

  // ---- partners ----

  async loadPartners() {
    this.partnersAbort?.abort();
    const ctl = new AbortController();
    this.partnersAbort = ctl;
    try {
      const body = await api.get('/api/v1/partners', null, ctl.signal);
      this.partners = (Array.isArray(body?.partners) ? body.partners : []).filter((p) => p && typeof p === 'object');
      this.partnersState = 'ok';
      this.setNote('sharing-status', '');
    } catch (err) {
      if (err instanceof Error && err.name === 'AbortError') return;
      this.partners = [];
      this.partnersState = this.explain('sharing-status', err);
    }
    this.partnerLoads++;
    this.renderPartners();
    this.renderPartnerOptions();
  }

  // explain shows what a failed request means in the note with the given
  // id and returns the state it puts the panel in.
  explain(id: string, err: unknown): PartnersState {
    if (err instanceof api.ApiError && err.status === 501) {
      this.setNote(id, 'This node does not share');
      return 'unshared';
    }
    if (err instanceof api.ApiError && err.status === 403) {
      this.setNote(id, 'Sharing is for admins: this token may not see it', true);
      return 'forbidden';
    }
    this.setNote(id, err instanceof Error ? err.message : String(err), true);
    if (err instanceof api.ApiError && err.status === 401) this.onError(err);
    return 'error';
  }

  setNote(id: string, msg: string, isError?: boolean): void {
    const el = $(id);
    el.textContent = msg;
    el.hidden = !msg;
    el.classList.toggle('error', !!isError);
  }

  renderPartners() {
    const list = $('partner-cards');
    if (this.partnersState === 'ok' && this.partners.length === 0) {
      list.replaceChildren(h('p', { class: 'hint', text: 'No partners configured' }));
      return;
    }
    list.replaceChildren(...this.partners.map((p) => this.card(p)));
  }

  card(p: Partner): HTMLElement {
    const link = obj(p.link);
    const inbound = obj(p.inbound);
    const status = fmt.text(p.status);
    const warn = WARN_STATUS.has(status);
    let up = fmt.DASH;
    if (typeof link.connected === 'boolean') up = link.connected ? 'up' : 'down';
    const fp = h('code', { class: 'fingerprint', 'data-field': 'fingerprint', text: fmt.text(p.fingerprint), title: 'Fingerprint of the pinned certificate' });
    const copy = h('button', { type: 'button', class: 'copy', 'aria-label': 'Copy the fingerprint', text: 'Copy' });
    copy.addEventListener('click', () => this.copy(fp, copy));
    const field = (key: string, label: string, value: string, cls?: string) => [h('dt', { text: label }), h('dd', { 'data-field': key, class: cls, text: value })];
    const lastError = fmt.missing(link.last_error) ? fmt.DASH : String(link.last_error);
    const inError = fmt.missing(inbound.last_error) ? fmt.DASH : String(inbound.last_error);
    return h(
      'article',
      { class: warn ? 'partner-card warn' : 'partner-card', 'data-name': fmt.text(p.name) },
      h(
        'div',
        { class: 'partner-head' },
        h('h3', { class: 'partner-name', text: fmt.text(p.name) }),
        h('span', { class: warn ? 'partner-status warn' : `partner-status ${status === 'active' ? 'ok' : ''}`, 'data-field': 'status', text: status }),
        h('span', { class: link.connected === true ? 'link-state up' : 'link-state down', 'data-field': 'link', text: `link ${up}` }),
      ),
      h(
        'dl',
        null,
        ...field('addr', 'Address', fmt.text(p.addr)),
        h('dt', { text: 'Fingerprint' }),
        h('dd', { class: 'fp-row' }, fp, navigator.clipboard ? copy : null),
        ...field('not_after', 'Certificate expires', fmt.missing(p.not_after) ? 'unknown' : fmt.time(p.not_after), warn ? 'warn' : ''),
        ...field('last_connect', 'Last connect', fmt.missing(link.last_connect) ? fmt.DASH : fmt.time(String(link.last_connect))),
      ),
      h('h4', { text: 'Sent to it' }),
      h(
        'dl',
        { class: 'counters' },
        ...field('queued', 'Queued', count(link.queued)),
        ...field('pending', 'Pending', count(link.pending)),
        ...field('sent', 'Sent', count(link.sent)),
        ...field('acked', 'Acknowledged', count(link.acked)),
        ...field('dropped', 'Dropped', count(link.dropped), typeof link.dropped === 'number' && link.dropped > 0 ? 'warn' : ''),
        ...field('lag', 'Lag (items)', count(link.lag)),
        ...field('reconnects', 'Reconnects', count(link.reconnects)),
        ...field('refusals', 'Refusals', count(link.refusals)),
      ),
      h(
        'dl',
        null,
        ...field('last_error', 'Last error', lastError, lastError === fmt.DASH ? '' : 'error-text'),
      ),
      h('h4', { text: 'Received from it' }),
      h(
        'dl',
        { class: 'counters' },
        ...field('in_received', 'Received', count(inbound.received)),
        ...field('in_duplicates', 'Duplicates', count(inbound.duplicates)),
        ...field('in_redelivered', 'Redelivered', count(inbound.redelivered)),
        ...field('in_refused', 'Refused', count(inbound.refused), typeof inbound.refused === 'number' && inbound.refused > 0 ? 'warn' : ''),
        ...field('in_active', 'Connected', typeof inbound.active === 'boolean' ? (inbound.active ? 'yes' : 'no') : fmt.DASH),
      ),
      inError === fmt.DASH ? null : h('dl', null, ...field('in_last_error', 'Last error', inError, 'error-text')),
    );
  }

  // copy puts a fingerprint on the clipboard, or else selects it.
  async copy(el: HTMLElement, btn: HTMLElement): Promise<void> {
    try {
      await navigator.clipboard.writeText(el.textContent ?? '');
      btn.textContent = 'Copied';
    } catch {
      const range = document.createRange();
      range.selectNodeContents(el);
      const sel = window.getSelection();
      sel?.removeAllRanges();
      sel?.addRange(range);
      btn.textContent = 'Selected';
    }
    setTimeout(() => {
      btn.textContent = 'Copy';
    }, 1500);
  }

  // renderPartnerOptions fills the audit's partner filter from the
  // partners list, keeping the choice.
  renderPartnerOptions() {
    const sel = $<HTMLSelectElement>('audit-partner');
    const was = sel.value;
    const names = [...new Set(this.partners.map((p) => (fmt.missing(p.name) ? '' : String(p.name))).filter((n) => n))].sort();
    if (was && !names.includes(was)) names.push(was);
    const key = names.join('\n');
    if (sel.dataset.names === key && sel.options.length) return;
    sel.dataset.names = key;
    sel.replaceChildren(h('option', { value: '', text: 'All partners' }), ...names.map((n) => h('option', { value: n, text: n })));
    sel.value = was;
  }

  // ---- audit ----

  // auditParams returns the audit query of the filters.
  auditParams(): api.Params {
    const hours = Number($<HTMLSelectElement>('audit-span').value) || DEFAULT_SPAN;
    const p: api.Params = { from: iso(this.serverNow() - hours * 3600e3), limit: AUDIT_LIMIT };
    const partner = $<HTMLSelectElement>('audit-partner').value;
    const direction = $<HTMLSelectElement>('audit-direction').value;
    const kind = $<HTMLSelectElement>('audit-kind').value;
    const key = $<HTMLInputElement>('audit-key').value.trim();
    if (partner) p.partner = partner;
    if (direction) p.direction = direction;
    if (kind) p.kind = kind;
    if (key) p.key = key;
    return p;
  }

  // auditParamsChanged tells whether the filters ask for other entries
  // than the table shows (the period aside).
  auditParamsChanged() {
    const p = api.url('/api/v1/audit', this.auditParams()).searchParams;
    const shown = new URLSearchParams(this.auditQuery ?? '');
    p.delete('from');
    shown.delete('from');
    return this.auditQuery == null || p.toString() !== shown.toString();
  }

  async loadAudit() {
    this.auditAbort?.abort();
    const ctl = new AbortController();
    this.auditAbort = ctl;
    const params = this.auditParams();
    this.auditLoaded = false;
    $('audit-table').classList.add('loading');
    let entries: AuditEntry[] = [];
    try {
      const body = await api.get('/api/v1/audit', params, ctl.signal);
      entries = (Array.isArray(body?.entries) ? body.entries : []).filter((e) => e && typeof e === 'object');
      this.setNote('audit-status', '');
    } catch (err) {
      if (err instanceof Error && err.name === 'AbortError') return;
      this.explain('audit-status', err);
    }
    this.auditQuery = api.url('/api/v1/audit', params).searchParams.toString();
    this.auditLoads++;
    this.renderAudit(entries);
    $('audit-table').classList.remove('loading');
    this.auditLoaded = true;
  }

  renderAudit(entries: AuditEntry[]): void {
    const body = $('audit-rows');
    body.replaceChildren(
      ...entries.map((e) => {
        const mmsi = mmsiOf(e);
        const key = fmt.text(e.key);
        let keyCell;
        if (mmsi) {
          const b = h('button', { type: 'button', class: 'link', 'data-mmsi': mmsi, title: `Open vessel ${mmsi}`, text: key });
          b.addEventListener('click', () => this.onVessel(mmsi));
          keyCell = h('td', { 'data-field': 'key' }, b);
        } else {
          keyCell = h('td', { 'data-field': 'key', text: key });
        }
        const dir = fmt.text(e.direction);
        return h(
          'tr',
          { class: `dir-${dir === 'sent' || dir === 'received' || dir === 'refused' ? dir : 'other'}` },
          h('td', { 'data-field': 'time', class: 'time', text: fmt.missing(e.time) ? fmt.DASH : fmt.time(e.time).replace(' UTC', '') }),
          h('td', { 'data-field': 'direction', text: dir }),
          h('td', { 'data-field': 'partner', text: fmt.text(e.partner) }),
          h('td', { 'data-field': 'kind', text: fmt.text(e.kind) }),
          keyCell,
          h('td', { 'data-field': 'seq', class: 'num', text: typeof e.seq === 'number' && e.seq > 0 ? String(e.seq) : fmt.DASH }),
          h('td', { 'data-field': 'rule', text: fmt.text(e.rule) }),
          h('td', { 'data-field': 'origin', text: fmt.text(e.origin) }),
        );
      }),
    );
    this.auditRows = entries.length;
    const n = entries.length;
    const msg = n === 0 ? 'No entries' : `${n} ${n === 1 ? 'entry' : 'entries'}, newest first (times in UTC)`;
    $('audit-count').textContent = msg;
    const limited = $('audit-limit');
    limited.hidden = n < AUDIT_LIMIT;
    limited.textContent = `Only the newest ${AUDIT_LIMIT} are shown: narrow the filters or the period to see older entries.`;
  }
}
