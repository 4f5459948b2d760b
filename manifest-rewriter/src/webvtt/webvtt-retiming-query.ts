import type { WebVttRetiming } from './retime-webvtt.ts';

/** More breaks than any title carries: a longer list is refused, not parsed. */
const MAX_BREAKS = 64;
const SECONDS = /^\d{1,6}(?:\.\d{1,3})?$/;

function seconds(value: number): string {
  return String(Number(value.toFixed(3)));
}

/**
 * The query a stitched session's subtitle URL carries so the edge re-times the file (`retimeWebVtt`):
 * `?breaks=4:10,60:6` (at content second 4, 10 s of ads; at 60, 6 s) or `?window=4-60`.
 */
export function webVttRetimingQuery(retiming: WebVttRetiming): string {
  if ('window' in retiming) return `?window=${seconds(retiming.window.from)}-${seconds(retiming.window.to)}`;
  return `?breaks=${retiming.breaks.map((b) => `${seconds(b.at)}:${seconds(b.seconds)}`).join(',')}`;
}

/**
 * The re-timing a subtitle request asks for, if any. Anything malformed is refused with the reason (the
 * caller answers 400): numbers of seconds with at most three decimals, a window that is not empty, and at
 * most 64 breaks, none of them empty.
 */
export function parseWebVttRetiming(params: URLSearchParams): { retiming: WebVttRetiming | undefined } | { problem: string } {
  const breaks = params.getAll('breaks');
  const windows = params.getAll('window');
  if (breaks.length + windows.length === 0) return { retiming: undefined };
  if (breaks.length + windows.length > 1) return { problem: 'give one of breaks or window, once' };
  if (windows.length === 1) {
    const [from, to, ...rest] = windows[0]!.split('-');
    if (rest.length > 0 || !SECONDS.test(from ?? '') || !SECONDS.test(to ?? '') || Number(to) <= Number(from)) {
      return { problem: `window: expected {from}-{to} in seconds with to after from, received ${JSON.stringify(windows[0]!.slice(0, 40))}` };
    }
    return { retiming: { window: { from: Number(from), to: Number(to) } } };
  }
  const list = breaks[0]!.split(',');
  if (list.length > MAX_BREAKS) return { problem: `breaks: at most ${MAX_BREAKS}` };
  const parsed: { at: number; seconds: number }[] = [];
  for (const item of list) {
    const [at, length, ...rest] = item.split(':');
    if (rest.length > 0 || !SECONDS.test(at ?? '') || !SECONDS.test(length ?? '') || Number(length) <= 0) {
      return { problem: `breaks: expected {at}:{seconds} pairs in seconds, received ${JSON.stringify(item.slice(0, 40))}` };
    }
    parsed.push({ at: Number(at), seconds: Number(length) });
  }
  return { retiming: { breaks: parsed } };
}
