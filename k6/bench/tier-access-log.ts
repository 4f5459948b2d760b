import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';

export type ObjectKind = 'manifest' | 'playlist' | 'segment' | 'catalogue' | 'other';

export interface AccessEntry { at: number; kind: ObjectKind; path: string; status: number }

/** What a shield or origin path names, by the packager's file names. */
export function kindOf(path: string): ObjectKind {
  const name = path.split('?')[0]!.split('/').pop() ?? '';
  if (path.includes('/api/v1/titles/')) return 'catalogue';
  if (name === 'master.m3u8' || name.endsWith('.mpd')) return 'manifest';
  if (name.endsWith('.m3u8')) return 'playlist';
  if (name.endsWith('.m4s') || name.endsWith('.mp4') || name.endsWith('.vtt') || name.endsWith('.jpg')) return 'segment';
  return 'other';
}

/**
 * Counts a Node tier's requests from its JSON access log (pino, `msg: "request"`, one line per answer;
 * the shield's and the origin's own format), as the tier saw them: no proxy in the path to skew them.
 */
export class TierAccessLog {
  readonly entries: AccessEntry[] = [];

  follow(stream: Readable | null): void {
    if (!stream) return;
    createInterface({ input: stream }).on('line', (line) => {
      if (!line.includes('"msg":"request"')) return;
      try {
        const entry = JSON.parse(line) as { path?: string; status?: number; time?: number };
        if (typeof entry.path !== 'string') return;
        this.entries.push({ at: typeof entry.time === 'number' ? entry.time : Date.now(), kind: kindOf(entry.path), path: entry.path, status: entry.status ?? 0 });
      } catch {
        // not a JSON line
      }
    });
  }

  between(from: number, to: number): AccessEntry[] {
    return this.entries.filter((e) => e.at >= from && e.at < to);
  }
}
