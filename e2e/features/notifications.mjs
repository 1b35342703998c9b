// Browser test of the alert notifications: a new event on the live
// stream (the mock announces a ship going dark every 10 s) shows a toast
// with its severity, which does not block the map (it can be panned and
// clicked beside the toast); a click on the toast shows the event.
import { run } from '../lib.mjs';

await run('notifications', async ({ page, check, shot, waitFor, tw, mapReady }) => {
  check('the map loads with ships', await mapReady());
  const came = await waitFor(() => document.querySelector('#toasts .toast') != null, null, 'a notification');
  check('a new event from the stream shows a notification', came);
  if (!came) return;
  const toast = await tw(() => {
    const t = document.querySelector('#toasts .toast');
    return { id: t.dataset.id, severity: t.dataset.severity, role: t.getAttribute('role'), type: t.querySelector('.toast-type').textContent, text: t.querySelector('.toast-text').textContent, sev: t.querySelector('.sev').textContent };
  });
  check('it says what happened, with its severity (a gap is high)', toast.type === 'AIS gap' && toast.severity === 'high' && toast.sev === 'high' && toast.role === 'alert' && /\d{9}/.test(toast.text), JSON.stringify(toast));
  const known = await tw(() => window.__tidewatch.notifications());
  check('only new events notify (not the events listed at start)', known.shown >= 1 && known.shown <= 3, JSON.stringify(known));
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
  const id = await tw(() => document.querySelector('#toasts .toast:last-child').dataset.id);
  await page.click(`#toasts .toast[data-id="${id}"] .toast-body`);
  const shown = await waitFor((i) => window.__tidewatch.selectedEvent() === i && !document.getElementById('events').hidden, id, 'the event');
  check('a click on the notification opens the event in the events panel', shown, id);
  const gone = await tw((i) => document.querySelector(`#toasts .toast[data-id="${i}"]`) == null, id);
  check('and dismisses the notification', gone);
  // At most four at once.
  await page.waitForTimeout(100);
  const most = await tw(() => document.querySelectorAll('#toasts .toast').length);
  check('at most four notifications show', most <= 4, `${most}`);
});
