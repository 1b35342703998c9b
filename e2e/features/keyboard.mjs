// Browser test of keyboard access: T opens the vessel table with the
// focus in its filter, arrow keys move between rows and Enter opens one,
// the focus moving into the vessel panel, whose Escape gives it back to
// the row; Escape closes the table and gives the focus back; E opens the
// events with the focus in the list, arrow keys, Home and End move in it,
// Enter picks; Escape closes the panels in turn, the focus going back to
// where it came from; L opens the layers with the focus on a switch that
// Space toggles; M measures; the search results are reached with
// ArrowDown from the field and left with ArrowUp.
import { run } from '../lib.mjs';

await run('keyboard', async ({ page, check, waitFor, tw, mapReady }) => {
  check('the map loads with ships', await mapReady());
  // Nothing focused that takes keys. A click without Playwright's
  // actionability waits (stable across animation frames, receiving the
  // pointer): at load 45 the map's software-rendered frames starved them
  // and the plain click timed out; the title needs none of them.
  await page.click('.brand', { force: true });
  await tw(() => document.activeElement?.blur());

  await page.keyboard.press('t');
  const open = await waitFor(() => window.__tidewatch.table().rows > 1 && document.activeElement?.id === 'table-filter', null, 'the table with focus');
  check('T opens the vessel table, focus in its filter', open);
  await page.focus('#table-rows tr');
  await page.keyboard.press('ArrowDown');
  const second = await tw(() => ({ focused: document.activeElement?.dataset?.mmsi, second: document.querySelectorAll('#table-rows tr')[1]?.dataset.mmsi }));
  check('ArrowDown moves to the next row', second.focused && second.focused === second.second, JSON.stringify(second));
  await page.keyboard.press('End');
  const tEnd = await tw(() => [...document.querySelectorAll('#table-rows tr')].at(-1) === document.activeElement);
  await page.keyboard.press('Home');
  const tHome = await tw(() => document.querySelector('#table-rows tr') === document.activeElement);
  check('End and Home move to the last and first row of the table', tEnd && tHome);
  await page.keyboard.press('ArrowDown');
  // (the row Enter opens: the one focused now)
  second.second = await tw(() => document.activeElement?.dataset?.mmsi);
  await page.keyboard.press('Enter');
  const picked = await waitFor((m) => window.__tidewatch.selected() === m, second.second, 'the vessel');
  check('Enter opens the vessel of the row', picked);
  const inPanel = await waitFor(() => !document.getElementById('panel').hidden && document.activeElement?.id === 'panel-name', null, 'the focus in the vessel panel');
  check('the focus moves into the vessel panel (its name)', inPanel, await tw(() => document.activeElement?.id || document.activeElement?.tagName));
  await page.keyboard.press('Escape');
  const back = await waitFor((m) => document.getElementById('panel').hidden && document.activeElement?.dataset?.mmsi === m && !document.getElementById('table').hidden, second.second, 'the focus back on the row');
  check('Escape closes the vessel panel only, the focus back on the row it came from', back, await tw(() => document.activeElement?.dataset?.mmsi || document.activeElement?.id));
  await page.focus('#table-rows tr');
  await page.keyboard.press('Escape');
  const closed = await waitFor(() => document.getElementById('table').hidden && document.activeElement?.id === 'table-btn', null, 'the table closed');
  check('Escape closes the table and gives the focus back to its button', closed);
  await tw(() => document.activeElement?.blur());

  await page.keyboard.press('e');
  const ev = await waitFor(() => window.__tidewatch.eventRows() > 1, null, 'the events');
  check('E opens the events', ev);
  const evIn = await waitFor(() => document.getElementById('events').contains(document.activeElement), null, 'the focus in the events panel');
  check('the focus moves into the events panel', evIn, await tw(() => document.activeElement?.id || document.activeElement?.className));
  await page.focus('#events-list button.event-row');
  await page.keyboard.press('End');
  const end = await tw(() => {
    const rows = document.querySelectorAll('#events-list button.event-row');
    return document.activeElement === rows[rows.length - 1];
  });
  await page.keyboard.press('Home');
  const home = await tw(() => document.activeElement === document.querySelector('#events-list button.event-row'));
  check('End and Home move to the last and first event', end && home);
  await page.keyboard.press('ArrowDown');
  const evFocus = await tw(() => ({ focused: document.activeElement?.dataset?.id, second: document.querySelectorAll('#events-list button.event-row')[1]?.dataset.id }));
  check('ArrowDown moves in the events list', evFocus.focused && evFocus.focused === evFocus.second, JSON.stringify(evFocus));
  await page.keyboard.press('Enter');
  const pickedEv = await waitFor((id) => window.__tidewatch.selectedEvent() === id, evFocus.second, 'the event');
  check('Enter picks the event', pickedEv);
  // Picking the event opened its vessel: Escape closes that panel (the
  // focus back on the event's row), then the events (the focus back on
  // their button: E was pressed with nothing focused).
  if (await waitFor(() => !document.getElementById('panel').hidden, null, 'the event\'s vessel')) {
    await waitFor(() => document.activeElement?.id === 'panel-name', null, 'the focus in the vessel panel');
    await page.keyboard.press('Escape');
    const onRow = await waitFor((id) => document.getElementById('panel').hidden && document.activeElement?.dataset?.id === id, evFocus.second, 'the focus back on the event');
    check('Escape closes the event\'s vessel, the focus back on the event row', onRow, await tw(() => document.activeElement?.dataset?.id || document.activeElement?.id));
  }
  await page.focus(`#events-list button.event-row[data-id="${evFocus.second}"]`);
  await page.keyboard.press('Escape');
  const evClosed = await waitFor(() => document.getElementById('events').hidden && document.activeElement?.id === 'events-btn', null, 'the events closed');
  check('Escape closes the events panel, the focus back on its button', evClosed, await tw(() => document.activeElement?.id || document.activeElement?.tagName));
  await tw(() => document.activeElement?.blur());

  await page.keyboard.press('l');
  const layers = await waitFor(() => !document.getElementById('layers').hidden && document.activeElement?.matches('#layer-list input'), null, 'the layers');
  check('L opens the layers, focus on a switch', layers);
  const id = await tw(() => document.activeElement.dataset.layer);
  await page.keyboard.press('Space');
  const toggled = await waitFor((i) => window.__tidewatch.layerVisible(i) === false, id, 'the switch');
  check('Space toggles it', toggled, id);
  await page.keyboard.press('Space');
  await page.keyboard.press('Escape');
  const lclosed = await waitFor(() => document.getElementById('layers').hidden, null, 'layers closed');
  check('Escape closes the layers', lclosed);
  await tw(() => document.activeElement?.blur());

  await page.keyboard.press('m');
  const m = await waitFor(() => !document.getElementById('measure').hidden, null, 'measuring');
  check('M starts measuring', m);
  await page.keyboard.press('Escape');
  check('Escape ends it', await waitFor(() => document.getElementById('measure').hidden, null, 'measure ended'));

  // The search results: ArrowDown from the field into them, ArrowUp from
  // the first back to the field.
  await page.fill('#search', 'OLD TIMER');
  const found = await waitFor(() => !document.getElementById('search-results').hidden && !!document.querySelector('#search-results button[data-mmsi]'), null, 'the search results');
  check('the search lists OLD TIMER', found);
  await page.keyboard.press('ArrowDown');
  const inResults = await tw(() => document.activeElement === document.querySelector('#search-results button[data-mmsi]'));
  await page.keyboard.press('ArrowUp');
  const inField = await tw(() => document.activeElement?.id === 'search');
  check('ArrowDown goes into the results, ArrowUp from the first back to the field', inResults && inField);
  await page.keyboard.press('Escape');
});
