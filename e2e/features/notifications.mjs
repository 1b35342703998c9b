// Browser test of the alert notifications: a new event on the live
// stream (TestBrowserFeatures sends a vessel into a watch zone every
// 10 s) shows a toast with its severity, which does not block the map (it
// can be panned and clicked beside the toast); a click on the toast shows
// the event.
//
//   NOTIFY_TYPE, NOTIFY_SEVERITY  the label and severity of the new
//               events (default Zone entry, medium)
import { run } from '../lib.mjs';

const TYPE = process.env.NOTIFY_TYPE || 'Zone entry';
const SEVERITY = process.env.NOTIFY_SEVERITY || 'medium';

await run('notifications', async ({ page, check, shot, waitFor, tw, mapReady }) => {
  check('the map loads with ships', await mapReady());
  const listed = await tw(() => window.__tidewatch.eventCount());
  const came = await waitFor((type) => [...document.querySelectorAll('#toasts .toast .toast-type')].some((e) => e.textContent === type), TYPE, 'a notification');
  check('a new event from the stream shows a notification', came);
  if (!came) return;
  const toast = await tw((type) => {
    const t = [...document.querySelectorAll('#toasts .toast')].find((e) => e.querySelector('.toast-type').textContent === type);
    return { id: t.dataset.id, severity: t.dataset.severity, role: t.getAttribute('role'), type: t.querySelector('.toast-type').textContent, text: t.querySelector('.toast-text').textContent, sev: t.querySelector('.sev').textContent };
  }, TYPE);
  const role = SEVERITY === 'high' ? 'alert' : 'status';
  check(`it says what happened, with its severity (${TYPE}: ${SEVERITY})`, toast.type === TYPE && toast.severity === SEVERITY && toast.sev === SEVERITY && toast.role === role && /\d{9}/.test(toast.text), JSON.stringify(toast));
  const known = await tw(() => window.__tidewatch.notifications());
  check('only new events notify (not the events listed at start)', known.shown >= 1 && known.shown < listed, JSON.stringify({ ...known, listed }));
  await shot('notification.png');

  // It does not block the map: the stack lets the pointer through beside
  // the toast, and the map pans under a drag.
  const beside = await tw(() => {
    const r = document.querySelector('#toasts .toast').getBoundingClientRect();
    const stack = document.getElementById('toasts');
    const el = document.elementFromPoint(r.left - 40, r.top + r.height / 2);
    return { hit: el?.className ?? '', stackEvents: getComputedStyle(stack).pointerEvents, focused: document.activeElement?.closest?.('#toasts') != null };
  });
  check('the map is reachable beside the toast, and the toast took no focus', beside.hit.includes('maplibregl-canvas') && beside.stackEvents === 'none' && !beside.focused, JSON.stringify(beside));
  const c0 = await tw(() => window.__tidewatch.view().center);
  await page.mouse.move(300, 300);
  await page.mouse.down();
  await page.mouse.move(420, 360, { steps: 6 });
  await page.mouse.up();
  const moved = await waitFor((c) => { const v = window.__tidewatch.view(); return !v.moving && (v.center[0] !== c[0] || v.center[1] !== c[1]); }, c0, 'the pan');
  check('the map pans while a notification shows', moved);

  // A click on the toast shows the event. The newest: older ones give way
  // to new ones (one every 10 s here) beyond four.
  // (Clicked in the page at once: a medium toast goes after 10 s, and a
  // loaded machine can take longer than that between two steps here.)
  const id = await tw(() => {
    const t = document.querySelector('#toasts .toast:last-child');
    t.querySelector('.toast-body').click();
    return t.dataset.id;
  });
  const shown = await waitFor((i) => window.__tidewatch.selectedEvent() === i && !document.getElementById('events').hidden, id, 'the event');
  check('a click on the notification opens the event in the events panel', shown, id);
  const gone = await tw((i) => document.querySelector(`#toasts .toast[data-id="${i}"]`) == null, id);
  check('and dismisses the notification', gone);
  // At most four at once.
  await page.waitForTimeout(100);
  const most = await tw(() => document.querySelectorAll('#toasts .toast').length);
  check('at most four notifications show', most <= 4, `${most}`);
});
