import { randomUUID } from 'node:crypto';
import { realpath, rm, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { ProblemError } from '@cascade/common';
import type { Logger } from '@cascade/common/node';
import type { FfmpegPaths } from '../ffmpeg-path.ts';
import { adBreakEndMs, adBreakSignal } from './ad-break-signal.ts';
import { ChannelRunner, type ChannelHealth } from './channel-runner.ts';
import { parseChannelSpec, type ChannelSpec, type ChannelSpecPolicy } from './channel-spec.ts';
import type { AdBreak, ChannelStore, LiveRenditionInfo, LiveSegment } from './channel-store.ts';
import { dashLiveMpd } from './dash-live-mpd.ts';
import { hlsLiveMaster } from './hls-live-master.ts';
import type { HlsDeliveryDirectives } from './hls-delivery-directives.ts';
import { hlsLivePlaylist } from './hls-live-playlist.ts';
import { LIVE_MASTER_FILE, LIVE_MPD_FILE, mediaPlaylistFile } from './live-file-names.ts';
import type { LiveLadderName } from './live-ladder.ts';
import { liveToVod } from './live-to-vod.ts';
import { nextSplicePoint, type RenditionEdge, type SplicePoint } from './next-splice-point.ts';
import type { DataLayout } from '../storage/data-layout.ts';
import type { TitleRecord } from '../catalogue/title-record.ts';
import { parseId } from '@cascade/common';

export interface ChannelManagerOptions {
  store: ChannelStore;
  /** `<data>/live`: one directory per channel. */
  liveDir: string;
  tools: FfmpegPaths;
  fontFile: string | undefined;
  logger: Logger;
  policy: ChannelSpecPolicy;
  /** ORIGIN_INGEST_DIRS: where file inputs may be read from. */
  ingestDirs: readonly string[];
  /** Is a VOD title of this id published? Channels and titles share one id space. */
  titleExists: (id: string) => Promise<boolean>;
  runner?: Partial<Pick<ConstructorParameters<typeof ChannelRunner>[0], 'restartDelayMs' | 'stallMs' | 'inputProbeIntervalMs'>>;
  /** Where live-to-VOD publishes titles. */
  layout: DataLayout;
}

/** A channel as the API shows it. */
export interface ChannelView {
  id: string;
  name: string;
  input: ChannelSpec['input'];
  ladder: LiveLadderName;
  segmentSeconds: number;
  partSeconds: number;
  dvrWindowSeconds: number;
  createdAt: string;
  availabilityStartTime: string;
  manifests: { hls: string; dash: string };
  renditions: LiveRenditionInfo[];
  health: ChannelHealth;
}

export interface AdBreakView {
  id: string;
  spliceEventId: number;
  startAt: string;
  /** The planned duration (what SCTE35-OUT announced). */
  durationSeconds: number;
  /** After an early return: the segment boundary where the network comes back. */
  returnAt?: string;
  state: 'scheduled' | 'on-air' | 'ended';
}

const MAX_BREAK_SECONDS = 600;
/** Segment boundaries are on a grid that may be a few ms off the planned end (same tolerance as the playlists). */
const EDGE_MS = 250;
const MAX_BREAK_LEAD_MS = 24 * 3600 * 1000;

/** Every channel of this origin, its runner, and what it answers: playlists, MPD, API views. */
export class ChannelManager {
  readonly #o: ChannelManagerOptions;
  readonly #channels = new Map<string, { runner: ChannelRunner; createdAt: string }>();

  constructor(options: ChannelManagerOptions) {
    this.#o = options;
  }

  /** Put every stored channel back on air, its numbering going on from the last stored segment. */
  async resume(): Promise<void> {
    for (const stored of this.#o.store.channels()) {
      try {
        await this.#launch(stored.spec, stored.epochMs, stored.createdAt, stored.renditions);
      } catch (error) {
        // One channel whose input is gone (a deleted file) must not keep the origin from starting.
        this.#o.logger.error({ channel: stored.spec.id, err: error }, 'live channel could not be resumed');
      }
    }
  }

  /** The sample channel: created on first start, resumed afterwards, its ladder following the config. */
  async ensureDemo(id: string, ladder: LiveLadderName): Promise<void> {
    const existing = this.#channels.get(id);
    if (existing && existing.runner.spec.ladder === ladder && (existing.runner.spec.lowLatency !== false) === this.#o.policy.defaults.lowLatency) return;
    if (existing) await this.remove(id);
    await this.create({ id, name: 'Live demo (synthetic)', input: { type: 'synthetic' }, ladder });
  }

  async create(body: unknown): Promise<ChannelView> {
    const spec = parseChannelSpec(body, this.#o.policy);
    if (spec.input.type === 'file') spec.input = { type: 'file', path: await this.#checkFile(spec.input.path) };
    if (this.#channels.has(spec.id) || (await this.#o.titleExists(spec.id))) {
      throw new ProblemError('channel-exists', `a channel or title ${JSON.stringify(spec.id)} already exists`);
    }
    const now = Date.now();
    const createdAt = new Date(now).toISOString();
    if (!this.#o.store.addChannel(spec, now, createdAt)) throw new ProblemError('channel-exists', `a channel ${JSON.stringify(spec.id)} already exists`);
    try {
      await this.#launch(spec, now, createdAt, []);
    } catch (error) {
      this.#o.store.removeChannel(spec.id);
      throw error;
    }
    return this.view(spec.id);
  }

  async #checkFile(path: string): Promise<string> {
    const refuse = () => new ProblemError('ingest-source-forbidden', `input.path ${JSON.stringify(path.slice(0, 200))} does not exist or is not inside ORIGIN_INGEST_DIRS`);
    if (this.#o.ingestDirs.length === 0) throw new ProblemError('ingest-source-forbidden', 'file inputs are off: ORIGIN_INGEST_DIRS names no directory');
    const real = await realpath(path).catch(() => {
      throw refuse();
    });
    const inside = await Promise.all(this.#o.ingestDirs.map(async (root) => real.startsWith((await realpath(root).catch(() => root)) + sep)));
    if (!inside.some(Boolean)) throw refuse();
    if (!(await stat(real)).isFile()) throw new ProblemError('bad-request', 'input.path is not a regular file');
    return real;
  }

  async #launch(spec: ChannelSpec, epochMs: number, createdAt: string, renditions: LiveRenditionInfo[]): Promise<void> {
    const runner = new ChannelRunner(
      { spec, epochMs, store: this.#o.store, dir: join(this.#o.liveDir, spec.id), tools: this.#o.tools, fontFile: this.#o.fontFile, logger: this.#o.logger, ...this.#o.runner },
      renditions,
    );
    this.#channels.set(spec.id, { runner, createdAt });
    try {
      await runner.start();
    } catch (error) {
      this.#channels.delete(spec.id);
      await runner.stop();
      throw error;
    }
  }

  #get(id: string): ChannelRunner {
    const channel = this.#channels.get(id);
    if (channel === undefined) throw new ProblemError('channel-not-found', `no channel ${JSON.stringify(id)}`);
    return channel.runner;
  }

  has(id: string): boolean {
    return this.#channels.has(id);
  }

  runner(id: string): ChannelRunner | undefined {
    return this.#channels.get(id)?.runner;
  }

  view(id: string): ChannelView {
    const runner = this.#get(id);
    const { spec } = runner;
    return {
      id: spec.id,
      name: spec.name,
      input: spec.input,
      ladder: spec.ladder,
      segmentSeconds: spec.segmentSeconds,
      partSeconds: spec.partSeconds,
      dvrWindowSeconds: spec.dvrWindowSeconds,
      createdAt: this.#channels.get(id)!.createdAt,
      availabilityStartTime: new Date(runner.epochMs).toISOString(),
      manifests: { hls: LIVE_MASTER_FILE, dash: LIVE_MPD_FILE },
      renditions: runner.renditions,
      health: runner.health,
    };
  }

  list(): ChannelView[] {
    return [...this.#channels.keys()].map((id) => this.view(id));
  }

  /** Stop the channel, forget it and delete its media. */
  async remove(id: string): Promise<void> {
    const runner = this.#get(id);
    this.#channels.delete(id);
    await runner.stop();
    this.#o.store.removeChannel(id);
    await rm(join(this.#o.liveDir, id), { recursive: true, force: true });
  }

  async close(): Promise<void> {
    await Promise.all([...this.#channels.values()].map(({ runner }) => runner.stop()));
  }

  /** The catalogue entry of a channel (GET /api/v1/titles/{id}), or undefined when there is none. */
  titleRecord(id: string): Record<string, unknown> | undefined {
    const channel = this.#channels.get(id);
    if (channel === undefined) return undefined;
    const { spec } = channel.runner;
    return {
      id: spec.id,
      kind: 'live',
      name: spec.name,
      segmentDurationSeconds: spec.segmentSeconds,
      dvrWindowSeconds: spec.dvrWindowSeconds,
      manifests: { hls: LIVE_MASTER_FILE, dash: LIVE_MPD_FILE },
      renditions: channel.runner.renditions.map((r) => ({ ...r, playlist: mediaPlaylistFile(r.id) })),
      createdAt: channel.createdAt,
    };
  }

  // --- live-to-VOD ---

  /**
   * POST /api/v1/channels/{id}/vod `{"titleId", "name"?, "from"?, "to"?}`: the window (default: the
   * whole DVR window) becomes a VOD title, without re-encoding.
   */
  async toVod(id: string, body: unknown, now = Date.now()): Promise<TitleRecord> {
    const runner = this.#get(id);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ProblemError('bad-request', 'body: expected a JSON object {"titleId", "name"?, "from"?, "to"?}');
    const fields = body as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      if (!['titleId', 'name', 'from', 'to'].includes(key)) throw new ProblemError('bad-request', `${key}: expected one of the fields titleId, name, from, to`);
    }
    if (typeof fields['titleId'] !== 'string') throw new ProblemError('bad-request', 'titleId: expected a title id');
    const titleId = parseId(fields['titleId'], 'title id');
    const name = fields['name'] ?? `${runner.spec.name} (recording)`;
    if (typeof name !== 'string' || name.length === 0 || name.length > 200) throw new ProblemError('bad-request', 'name: expected a string of 1..200 characters');
    const time = (field: 'from' | 'to', fallback: number) => {
      const raw = fields[field];
      if (raw === undefined) return fallback;
      const parsed = typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/.test(raw) ? Date.parse(raw) : Number.NaN;
      if (Number.isNaN(parsed)) throw new ProblemError('bad-request', `${field}: expected an ISO 8601 time with a zone, received ${JSON.stringify(raw)?.slice(0, 100)}`);
      return parsed;
    };
    const fromMs = time('from', now - runner.spec.dvrWindowSeconds * 1000);
    const toMs = time('to', now);
    if (toMs <= fromMs) throw new ProblemError('bad-request', 'to: expected a time after from');
    if (this.#channels.has(titleId) || (await this.#o.titleExists(titleId))) throw new ProblemError('title-exists', `title ${JSON.stringify(titleId)} already exists`);
    const record = await liveToVod({
      layout: this.#o.layout,
      channelDir: join(this.#o.liveDir, id),
      titleId,
      name,
      renditions: runner.renditions,
      segments: (rendition) => this.#o.store.segmentsSince(id, rendition, fromMs - 60_000),
      fromMs,
      toMs,
    });
    this.#o.logger.info({ channel: id, titleId, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), durationSeconds: record.durationSeconds }, 'live-to-VOD title published');
    return record;
  }

  // --- ad breaks ---

  addBreak(id: string, body: unknown, now = Date.now()): AdBreakView {
    const runner = this.#get(id);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ProblemError('bad-request', 'body: expected a JSON object {"durationSeconds", "startAt"?}');
    const fields = body as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      if (key !== 'durationSeconds' && key !== 'startAt') throw new ProblemError('bad-request', `${key}: expected one of the fields durationSeconds, startAt`);
    }
    const seconds = fields['durationSeconds'];
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 1 || seconds > MAX_BREAK_SECONDS) {
      throw new ProblemError('bad-request', `durationSeconds: expected a number in 1..${MAX_BREAK_SECONDS}, received ${JSON.stringify(seconds) ?? 'nothing'}`);
    }
    let startMs: number;
    if (fields['startAt'] === undefined) {
      startMs = this.#splicePoint(runner, now + runner.spec.segmentSeconds * 1000).ms;
    } else {
      const raw = fields['startAt'];
      const parsed = typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/.test(raw) ? Date.parse(raw) : Number.NaN;
      if (Number.isNaN(parsed)) throw new ProblemError('bad-request', `startAt: expected an ISO 8601 time with a zone, received ${JSON.stringify(raw)?.slice(0, 100)}`);
      if (parsed < now - 1000) throw new ProblemError('bad-request', `startAt: expected a time not in the past, received ${raw as string}`);
      if (parsed > now + MAX_BREAK_LEAD_MS) throw new ProblemError('bad-request', `startAt: expected a time within 24 h, received ${raw as string}`);
      startMs = parsed;
    }
    const durationMs = Math.round(seconds * 1000);
    const clash = this.#o.store.breaks(id).find((b) => startMs < adBreakEndMs(b) && b.startMs < startMs + durationMs);
    if (clash) throw new ProblemError('break-conflict', `the break overlaps break ${clash.id} (${new Date(clash.startMs).toISOString()}, ${clash.durationMs / 1000} s)`);
    const adBreak: AdBreak = { id: randomUUID(), channelId: id, spliceEventId: this.#o.store.nextSpliceEventId(id), startMs, durationMs, createdAt: new Date(now).toISOString() };
    this.#o.store.addBreak(adBreak);
    this.#o.logger.info({ channel: id, break: adBreak.id, spliceEventId: adBreak.spliceEventId, startAt: new Date(startMs).toISOString(), durationMs }, 'ad break placed');
    return this.#breakView(adBreak, now);
  }

  /**
   * End an on-air break early: the network returns at the next segment boundary of the encoder after what
   * the playlists have shown, so
   * the playlists show SCTE35-IN / EXT-X-CUE-IN there and the MPD's event gets the shortened duration.
   */
  returnFromBreak(id: string, breakId: string, body: unknown, now = Date.now()): AdBreakView {
    const runner = this.#get(id);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ProblemError('bad-request', 'body: expected an empty JSON object {} or no body');
    const unknown = Object.keys(body)[0];
    if (unknown !== undefined) throw new ProblemError('bad-request', `${unknown}: expected no fields (the return is at the next segment boundary)`);
    const adBreak = this.#o.store.breaks(id).find((b) => b.id === breakId);
    if (adBreak === undefined) throw new ProblemError('break-not-found', `channel ${id} has no break ${breakId}`);
    if (now < adBreak.startMs) throw new ProblemError('break-not-on-air', `break ${breakId} has not started: it starts at ${new Date(adBreak.startMs).toISOString()}`);
    if (adBreak.returnMs !== undefined) throw new ProblemError('break-not-on-air', `break ${breakId} was already ended early, at ${new Date(adBreak.returnMs).toISOString()}`);
    const plannedEndMs = adBreak.startMs + adBreak.durationMs;
    // The break keeps at least its first segment: a return at its very start would leave nothing to replace.
    // The return is kept by sequence number too: the playlists put CUE-IN on that segment whatever its time
    // turns out to be, so segments already listed in the break stay in it.
    const { seq: returnSeq, ms: returnMs } = this.#splicePoint(runner, Math.max(now, adBreak.startMs + runner.spec.segmentSeconds * 1000 - EDGE_MS));
    if (returnMs >= plannedEndMs - EDGE_MS) {
      throw new ProblemError('break-not-on-air', now >= plannedEndMs ? `break ${breakId} is over: it ended at ${new Date(plannedEndMs).toISOString()}` : `break ${breakId} ends at its planned end (${new Date(plannedEndMs).toISOString()}) before the next segment boundary`);
    }
    if (!this.#o.store.returnBreak(id, breakId, returnMs, returnSeq)) throw new ProblemError('break-not-on-air', `break ${breakId} was already ended early`);
    this.#o.logger.info({ channel: id, break: breakId, spliceEventId: adBreak.spliceEventId, returnAt: new Date(returnMs).toISOString(), returnSeq, plannedEnd: new Date(plannedEndMs).toISOString() }, 'ad break ended early');
    return this.#breakView({ ...adBreak, returnMs, ...(returnSeq !== undefined && { returnSeq }) }, now);
  }

  breaks(id: string, now = Date.now()): AdBreakView[] {
    this.#get(id);
    return this.#o.store.breaks(id).map((b) => this.#breakView(b, now));
  }

  #breakView(b: AdBreak, now: number): AdBreakView {
    const state = now < b.startMs ? 'scheduled' : now < adBreakEndMs(b) ? 'on-air' : 'ended';
    return {
      id: b.id,
      spliceEventId: b.spliceEventId,
      startAt: new Date(b.startMs).toISOString(),
      durationSeconds: b.durationMs / 1000,
      ...(b.returnMs === undefined ? {} : { returnAt: new Date(b.returnMs).toISOString() }),
      state,
    };
  }

  /**
   * The first segment boundary at or after `atMs` that lies after every segment, part and preload hint the
   * rendition playlists have shown (next-splice-point.ts): a splice placed there never moves a segment a
   * player has already seen into or out of a break.
   */
  #splicePoint(runner: ChannelRunner, atMs: number): SplicePoint {
    const edges: RenditionEdge[] = runner.renditions.map((r) => {
      const lastSeq = this.#o.store.lastSeq(runner.spec.id, r.id);
      const partial = runner.partial(r.id);
      return { type: r.type, last: lastSeq < 0 ? undefined : this.#o.store.segment(runner.spec.id, r.id, lastSeq), partial: partial && { seq: partial.seq, pdtMs: partial.pdtMs, complete: partial.complete, partsMs: partial.parts.reduce((sum, p) => sum + p.duration, 0) * 1000 / partial.timescale } };
    });
    return nextSplicePoint(edges, atMs, runner.spec.segmentSeconds);
  }

  // --- manifests ---

  #window(runner: ChannelRunner, rendition: string, now: number): LiveSegment[] {
    return this.#o.store.segmentsSince(runner.spec.id, rendition, now - runner.spec.dvrWindowSeconds * 1000);
  }

  #signals(runner: ChannelRunner) {
    return this.#o.store.breaks(runner.spec.id).map((b) => adBreakSignal(b, runner.epochMs));
  }

  #ready(runner: ChannelRunner, now: number): void {
    const renditions = runner.renditions;
    if (renditions.length === 0 || renditions.some((r) => this.#window(runner, r.id, now).length === 0)) {
      throw new ProblemError('not-ready', `channel ${runner.spec.id} has no media yet`);
    }
  }

  master(id: string, now = Date.now()): string {
    const runner = this.#get(id);
    this.#ready(runner, now);
    return hlsLiveMaster(runner.renditions);
  }

  /**
   * A rendition's media playlist. With `_HLS_msn` (and `_HLS_part`) the answer waits until that
   * segment (or part) is published, up to three target durations (RFC 8216bis 6.2.5.2).
   */
  async mediaPlaylist(id: string, rendition: string, directives: HlsDeliveryDirectives = { skip: false }): Promise<string> {
    const runner = this.#get(id);
    const info = runner.renditions.find((r) => r.id === rendition);
    if (info === undefined) throw new ProblemError('not-found', `channel ${id} has no rendition ${rendition}`);
    if (directives.msn !== undefined) await this.#waitFor(runner, rendition, directives.msn, directives.part);
    const now = Date.now();
    const segments = this.#window(runner, rendition, now);
    if (segments.length === 0) throw new ProblemError('not-ready', `rendition ${rendition} has no media yet`);
    return hlsLivePlaylist({
      segments,
      segmentSeconds: runner.spec.segmentSeconds,
      breaks: this.#signals(runner),
      now,
      ...(runner.spec.lowLatency === false
        ? { deltaUpdates: { skip: directives.skip } }
        : { lowLatency: { partTarget: this.#partTarget(runner, info, segments), partial: runner.partial(rendition), skip: directives.skip } }),
    });
  }

  /**
   * PART-TARGET must not change while the channel runs: it is the part length the encoder is set to,
   * rounded up to whole frames (video) or AAC frames (audio), or a longer part seen in the window.
   */
  #partTarget(runner: ChannelRunner, info: LiveRenditionInfo, segments: LiveSegment[]): number {
    const { partSeconds } = runner.spec;
    const frame = info.type === 'video' ? 1 / (info.frameRate ?? 25) : 1024 / 48_000;
    const nominal = Math.ceil(partSeconds / frame - 1e-9) * frame;
    const seen = Math.max(0, ...segments.slice(-4).flatMap((s) => s.parts.map((p) => p.duration / s.timescale)));
    return Math.max(nominal, seen);
  }

  /** Is segment `msn` (part `part`) of the rendition published? */
  #has(runner: ChannelRunner, rendition: string, msn: number, part: number | undefined): boolean {
    if (this.#o.store.lastSeq(runner.spec.id, rendition) >= msn) return true;
    if (part === undefined) return false;
    const partial = runner.partial(rendition);
    return partial !== undefined && (partial.seq > msn || (partial.seq === msn && partial.parts.length > part));
  }

  async #waitFor(runner: ChannelRunner, rendition: string, msn: number, part: number | undefined): Promise<void> {
    if (this.#has(runner, rendition, msn, part)) return;
    const last = this.#o.store.lastSeq(runner.spec.id, rendition);
    // A client may ask for the next segment or the one after; anything further is a mistake (6.2.5.2).
    if (msn > last + 2) throw new ProblemError('bad-hls-directive', `_HLS_msn=${msn} is too far ahead of the live edge (${last})`);
    const timeoutMs = runner.spec.segmentSeconds * 3000;
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!this.#has(runner, rendition, msn, part)) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new ProblemError('not-ready', `segment ${msn}${part === undefined ? '' : ` part ${part}`} of ${rendition} did not appear within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        runner.off('segment', check);
        runner.off('part', check);
      };
      runner.on('segment', check);
      runner.on('part', check);
    });
  }

  /**
   * An LL-HLS part. The preload hint names the part the encoder is cutting now; a request for it is
   * held until it is written (RFC 8216bis 6.2.6), up to three part durations past its expected end.
   */
  async awaitPart(id: string, rendition: string, seq: number, index: number): Promise<void> {
    const runner = this.#get(id);
    const expected = () => {
      const partial = runner.partial(rendition);
      if (partial) return (partial.seq === seq && partial.parts.length === index) || (partial.seq + 1 === seq && index === 0);
      return this.#o.store.lastSeq(id, rendition) + 1 === seq && index === 0;
    };
    if (!expected()) return;
    const written = () => {
      const partial = runner.partial(rendition);
      return (partial !== undefined && (partial.seq > seq || (partial.seq === seq && partial.parts.length > index))) || this.#o.store.lastSeq(id, rendition) >= seq;
    };
    const timeoutMs = Math.max(2000, runner.spec.segmentSeconds * 1500);
    await new Promise<void>((resolve) => {
      const check = () => {
        if (!written()) return;
        clearTimeout(timer);
        runner.off('part', check);
        runner.off('segment', check);
        resolve();
      };
      const timer = setTimeout(() => {
        runner.off('part', check);
        runner.off('segment', check);
        resolve();
      }, timeoutMs);
      runner.on('part', check);
      runner.on('segment', check);
    });
  }

  mpd(id: string, now = Date.now()): string {
    const runner = this.#get(id);
    this.#ready(runner, now);
    const segments = new Map(runner.renditions.map((r) => [r.id, this.#window(runner, r.id, now)]));
    return dashLiveMpd({
      epochMs: runner.epochMs, now, segmentSeconds: runner.spec.segmentSeconds, dvrWindowSeconds: runner.spec.dvrWindowSeconds,
      renditions: runner.renditions, segments, breaks: this.#signals(runner),
    });
  }

  /** The segment a DASH $Time$ URL names. */
  segmentAt(id: string, rendition: string, start: number): LiveSegment | undefined {
    return this.#o.store.segmentAt(id, rendition, start);
  }

  segment(id: string, rendition: string, seq: number): LiveSegment | undefined {
    return this.#o.store.segment(id, rendition, seq);
  }

  channelDir(id: string): string {
    return join(this.#o.liveDir, id);
  }
}
