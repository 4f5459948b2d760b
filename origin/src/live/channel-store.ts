import { DatabaseSync } from 'node:sqlite';
import type { ChannelSpec } from './channel-spec.ts';

/** A published segment of one rendition, on the channel's timeline. */
export interface LiveSegment {
  rendition: string;
  seq: number;
  /** Discontinuity sequence number: one more for every encoder run that produced media after another. */
  disc: number;
  /** Start (restamped tfdt) and duration in the rendition's timescale. */
  start: number;
  duration: number;
  timescale: number;
  /** Wall-clock time of the segment's first frame (EXT-X-PROGRAM-DATE-TIME), epoch ms. */
  pdtMs: number;
  initId: string;
  /** The segment's CMAF chunks (LL-HLS parts), in order: duration in the timescale, starts on a keyframe. */
  parts: LivePart[];
  /** A placeholder for media that never came (EXT-X-GAP): no file behind it. */
  gap: boolean;
}

export interface LivePart {
  duration: number;
  independent: boolean;
}

/** What the packager learnt about a rendition from its init segment. */
export interface LiveRenditionInfo {
  id: string;
  type: 'video' | 'audio';
  codecs: string;
  timescale: number;
  bandwidth: number;
  width?: number;
  height?: number;
  frameRate?: number;
}

export interface StoredChannel {
  spec: ChannelSpec;
  createdAt: string;
  /** DASH availabilityStartTime: the origin of the channel's media timeline, epoch ms. */
  epochMs: number;
  renditions: LiveRenditionInfo[];
}

export interface AdBreak {
  id: string;
  channelId: string;
  spliceEventId: number;
  startMs: number;
  /** The planned duration, as signalled in the SCTE-35 splice_insert that starts the break. */
  durationMs: number;
  createdAt: string;
  /** Set when an operator ended the break early: the segment boundary where the network returns. */
  returnMs?: number;
  /**
   * The sequence number of the first segment after an early return: segments before it stay in the break,
   * whatever their program date times (a segment shorter or longer than planned moves the grid).
   */
  returnSeq?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS channels (
  id TEXT PRIMARY KEY,
  spec TEXT NOT NULL,
  created_at TEXT NOT NULL,
  epoch_ms INTEGER NOT NULL,
  renditions TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS segments (
  channel TEXT NOT NULL,
  rendition TEXT NOT NULL,
  seq INTEGER NOT NULL,
  disc INTEGER NOT NULL,
  start INTEGER NOT NULL,
  duration INTEGER NOT NULL,
  timescale INTEGER NOT NULL,
  pdt_ms INTEGER NOT NULL,
  init_id TEXT NOT NULL,
  parts TEXT NOT NULL,
  gap INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (channel, rendition, seq)
);
CREATE INDEX IF NOT EXISTS segments_by_time ON segments(channel, rendition, start);
CREATE TABLE IF NOT EXISTS breaks (
  id TEXT PRIMARY KEY,
  channel TEXT NOT NULL,
  splice_event_id INTEGER NOT NULL,
  start_ms INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  return_ms INTEGER,
  return_seq INTEGER
);
CREATE INDEX IF NOT EXISTS breaks_channel ON breaks(channel, start_ms);
`;

interface SegmentRow {
  rendition: string;
  seq: number;
  disc: number;
  start: number;
  duration: number;
  timescale: number;
  pdt_ms: number;
  init_id: string;
  parts: string;
  gap: number;
}

function toSegment(row: SegmentRow): LiveSegment {
  return {
    rendition: row.rendition,
    seq: row.seq,
    disc: row.disc,
    start: row.start,
    duration: row.duration,
    timescale: row.timescale,
    pdtMs: row.pdt_ms,
    initId: row.init_id,
    parts: JSON.parse(row.parts) as LivePart[],
    gap: row.gap === 1,
  };
}

/**
 * Channels, their published segments and their ad breaks, in SQLite (node:sqlite). The segment rows
 * are what the playlists are written from, and what lets a restarted origin go on numbering where it
 * stopped: the next run starts at the highest sequence number stored plus one.
 */
export class ChannelStore {
  readonly #db: DatabaseSync;

  constructor(file: string) {
    this.#db = new DatabaseSync(file);
    this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    this.#db.exec(SCHEMA);
    // Stores made before early returns existed lack the column; SQLite has no ADD COLUMN IF NOT EXISTS.
    const columns = this.#db.prepare('PRAGMA table_info(breaks)').all() as Array<{ name: string }>;
    if (!columns.some((c) => c.name === 'return_ms')) this.#db.exec('ALTER TABLE breaks ADD COLUMN return_ms INTEGER');
    if (!columns.some((c) => c.name === 'return_seq')) this.#db.exec('ALTER TABLE breaks ADD COLUMN return_seq INTEGER');
  }

  addChannel(spec: ChannelSpec, epochMs: number, createdAt: string): boolean {
    const result = this.#db.prepare('INSERT OR IGNORE INTO channels (id, spec, created_at, epoch_ms) VALUES (?, ?, ?, ?)').run(spec.id, JSON.stringify(spec), createdAt, epochMs);
    return result.changes === 1;
  }

  channels(): StoredChannel[] {
    const rows = this.#db.prepare('SELECT spec, created_at, epoch_ms, renditions FROM channels ORDER BY created_at').all() as Array<{ spec: string; created_at: string; epoch_ms: number; renditions: string }>;
    return rows.map((row) => ({ spec: JSON.parse(row.spec) as ChannelSpec, createdAt: row.created_at, epochMs: row.epoch_ms, renditions: JSON.parse(row.renditions) as LiveRenditionInfo[] }));
  }

  setRenditions(channelId: string, renditions: LiveRenditionInfo[]): void {
    this.#db.prepare('UPDATE channels SET renditions = ? WHERE id = ?').run(JSON.stringify(renditions), channelId);
  }

  removeChannel(channelId: string): void {
    for (const table of ['segments', 'breaks']) this.#db.prepare(`DELETE FROM ${table} WHERE channel = ?`).run(channelId);
    this.#db.prepare('DELETE FROM channels WHERE id = ?').run(channelId);
  }

  addSegment(channelId: string, segment: LiveSegment): void {
    this.#db
      .prepare('INSERT OR REPLACE INTO segments (channel, rendition, seq, disc, start, duration, timescale, pdt_ms, init_id, parts, gap) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(channelId, segment.rendition, segment.seq, segment.disc, segment.start, segment.duration, segment.timescale, segment.pdtMs, segment.initId, JSON.stringify(segment.parts), segment.gap ? 1 : 0);
  }

  /** The rendition's segments from `fromSeq` on, oldest first. */
  segments(channelId: string, rendition: string, fromSeq = 0): LiveSegment[] {
    const rows = this.#db.prepare('SELECT * FROM segments WHERE channel = ? AND rendition = ? AND seq >= ? ORDER BY seq').all(channelId, rendition, fromSeq) as unknown as SegmentRow[];
    return rows.map(toSegment);
  }

  /** The rendition's segments whose first frame is at or after `sinceMs`, oldest first. */
  segmentsSince(channelId: string, rendition: string, sinceMs: number): LiveSegment[] {
    const rows = this.#db.prepare('SELECT * FROM segments WHERE channel = ? AND rendition = ? AND pdt_ms >= ? ORDER BY seq').all(channelId, rendition, sinceMs) as unknown as SegmentRow[];
    return rows.map(toSegment);
  }

  /** The rendition's segment that starts at `start` (DASH $Time$ addressing). */
  segmentAt(channelId: string, rendition: string, start: number): LiveSegment | undefined {
    const row = this.#db.prepare('SELECT * FROM segments WHERE channel = ? AND rendition = ? AND start = ?').get(channelId, rendition, start) as unknown as SegmentRow | undefined;
    return row === undefined ? undefined : toSegment(row);
  }

  segment(channelId: string, rendition: string, seq: number): LiveSegment | undefined {
    const row = this.#db.prepare('SELECT * FROM segments WHERE channel = ? AND rendition = ? AND seq = ?').get(channelId, rendition, seq) as unknown as SegmentRow | undefined;
    return row === undefined ? undefined : toSegment(row);
  }

  /** The rendition's newest complete segment's sequence number (-1 when none). */
  lastSeq(channelId: string, rendition: string): number {
    const row = this.#db.prepare('SELECT MAX(seq) AS seq FROM segments WHERE channel = ? AND rendition = ?').get(channelId, rendition) as { seq: number | null };
    return row.seq ?? -1;
  }

  /** Highest sequence number and discontinuity number stored for the channel (-1 when none). */
  last(channelId: string): { seq: number; disc: number; endMs: number } {
    const row = this.#db.prepare('SELECT MAX(seq) AS seq, MAX(disc) AS disc FROM segments WHERE channel = ?').get(channelId) as { seq: number | null; disc: number | null };
    const end = this.#db.prepare('SELECT MAX(pdt_ms + duration * 1000 / timescale) AS end_ms FROM segments WHERE channel = ?').get(channelId) as { end_ms: number | null };
    return { seq: row.seq ?? -1, disc: row.disc ?? -1, endMs: end.end_ms ?? 0 };
  }

  /** Forget segments that ended before `beforeMs`; returns them so their files can be removed. */
  prune(channelId: string, beforeMs: number): LiveSegment[] {
    const rows = this.#db.prepare('SELECT * FROM segments WHERE channel = ? AND pdt_ms + duration * 1000 / timescale < ?').all(channelId, beforeMs) as unknown as SegmentRow[];
    this.#db.prepare('DELETE FROM segments WHERE channel = ? AND pdt_ms + duration * 1000 / timescale < ?').run(channelId, beforeMs);
    this.#db.prepare('DELETE FROM breaks WHERE channel = ? AND start_ms + duration_ms < ?').run(channelId, beforeMs);
    return rows.map(toSegment);
  }

  addBreak(adBreak: AdBreak): void {
    this.#db
      .prepare('INSERT INTO breaks (id, channel, splice_event_id, start_ms, duration_ms, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(adBreak.id, adBreak.channelId, adBreak.spliceEventId, adBreak.startMs, adBreak.durationMs, adBreak.createdAt);
  }

  breaks(channelId: string): AdBreak[] {
    const rows = this.#db.prepare('SELECT * FROM breaks WHERE channel = ? ORDER BY start_ms').all(channelId) as Array<{ id: string; channel: string; splice_event_id: number; start_ms: number; duration_ms: number; created_at: string; return_ms: number | null; return_seq: number | null }>;
    return rows.map((r) => ({
      id: r.id,
      channelId: r.channel,
      spliceEventId: r.splice_event_id,
      startMs: r.start_ms,
      durationMs: r.duration_ms,
      createdAt: r.created_at,
      ...(r.return_ms === null ? {} : { returnMs: r.return_ms }),
      ...(r.return_seq === null ? {} : { returnSeq: r.return_seq }),
    }));
  }

  /** Record an early return; only a break not returned yet is changed (true when it was). */
  returnBreak(channelId: string, breakId: string, returnMs: number, returnSeq?: number): boolean {
    return this.#db.prepare('UPDATE breaks SET return_ms = ?, return_seq = ? WHERE channel = ? AND id = ? AND return_ms IS NULL').run(returnMs, returnSeq ?? null, channelId, breakId).changes === 1;
  }

  /** The next splice_event_id for the channel (unique per channel while its breaks are kept). */
  nextSpliceEventId(channelId: string): number {
    const row = this.#db.prepare('SELECT MAX(splice_event_id) AS id FROM breaks WHERE channel = ?').get(channelId) as { id: number | null };
    return ((row.id ?? 0) + 1) >>> 0;
  }

  close(): void {
    this.#db.close();
  }
}
