// The time slider's extent: it follows the history the store holds.

const MAX_HISTORY_MIN = 90 * 1440; // the slider reaches back at most 90 days

// sliderRange returns the slider's extent and step for the history the
// store holds, from (ms) to now (ms): min, the minutes back to the
// earliest step inside it (at least one step), and step, a minute up to
// 2 h of history, 5 min up to 2 days, else 15 min.
export function sliderRange(from: number, now: number) {
  const back = Math.min(MAX_HISTORY_MIN, Math.max(1, Math.floor((now - from) / 60e3)));
  const step = back <= 120 ? 1 : back <= 2880 ? 5 : 15;
  return { min: -Math.max(1, Math.floor(back / step)) * step, step };
}
