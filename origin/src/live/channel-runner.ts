import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { access, mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@cascade/common/node';
import type { FfmpegPaths } from '../ffmpeg-path.ts';
import { ProblemError } from '@cascade/common';
import { probeLiveInput } from './probe-live-input.ts';
import type { ChannelSpec } from './channel-spec.ts';
import type { ChannelStore, LivePart, LiveRenditionInfo, LiveSegment } from './channel-store.ts';
import { encoderArgs, type EncoderOutput } from './encoder-args.ts';
import { LiveEncoder } from './live-encoder.ts';
import { LIVE_LADDERS, type LiveLadder } from './live-ladder.ts';
import { offAirGaps } from './off-air-gaps.ts';
import { parseChunk, restampChunk } from './parse-chunk.ts';
import { parseInitSegment, type InitSegmentInfo } from './parse-init-segment.ts';
import { initFile, partFile, segmentFile } from './live-file-names.ts';

export type ChannelState = 'starting' | 'live' | 'input-lost' | 'restarting' | 'stopped';

export interface ChannelHealth {
  state: ChannelState;
  /** What is on air: the channel's input, or the "signal lost" slate while a network input is down. */
  source: 'input' | 'slate';
  encoder: { pid: number | undefined; runs: number; restarts: number; startedAt: string | undefined };
  liveEdge: { seq: number; publishedAt: string } | undefined;
  lastError: string | undefined;
  /** How the picture shows the time: drawtext wall clock, or testsrc2's own counter when no font exists. */
  clock: 'wall-clock' | 'run-counter';
}

export interface ChannelRunnerOptions {
  spec: ChannelSpec;
  epochMs: number;
  store: ChannelStore;
  /** Where this channel's files live (`<data>/live/<id>/`). */
  dir: string;
  tools: FfmpegPaths;
  fontFile: string | undefined;
  logger: Logger;
  /** Encoder restart backoff bounds (tests shorten them). */
  restartDelayMs?: { min: number; max: number };
  /** No chunk for this long means the input stalled (default: 3 segments, at least 6 s). */
  stallMs?: number;
  /** How often a lost network input is probed again. */
  inputProbeIntervalMs?: number;
}

interface TrackState {
  output: EncoderOutput;
  init: { id: string; info: InitSegmentInfo } | undefined;
  index: number;
  startOrig: number;
  chunks: Buffer[];
  parts: LivePart[];
  lastSeq: number;
}

/** The segment a rendition is cutting now: its sequence number and the parts already on disk. */
export interface PartialSegment {
  rendition: string;
  seq: number;
  /** Start of the segment on the channel timeline, in the timescale. */
  start: number;
  /** Its program date time (epoch ms), as the whole segment will carry it. */
  pdtMs: number;
  /**
   * Its discontinuity sequence number, as the whole segment will carry it: the parts of the first segment of
   * a new encoder run are announced behind the same EXT-X-DISCONTINUITY as the segment itself.
   */
  disc: number;
  initId: string;
  timescale: number;
  parts: LivePart[];
  /**
   * The parts reach the segment's end: no further part of it comes, the whole segment is being written, and
   * the next part is the next segment's first (the preload hint must name that one).
   */
  complete: boolean;
}

interface Run {
  number: number;
  encoder: LiveEncoder;
  mode: 'input' | 'slate';
  baseSeq: number;
  disc: number | undefined;
  anchorMs: number | undefined;
  tracks: Map<string, TrackState>;
  lastChunkAt: number;
  /** Killed on purpose (switching between input and slate, or stopping): not a failure. */
  intentional: boolean;
}

/** What a runner tells its listeners: a segment was published (playlists may grow, blocking reloads answer). */
export interface SegmentPublished {
  segment: LiveSegment;
  /** Milliseconds from the segment's last frame (its program date time + duration) to its publication. */
  availabilityDelayMs: number;
  /**
   * The same, measured from the encoder's spawn plus the segment's end in the run's own media time:
   * for a source read at its native rate this is the time since the frame was made, start-up included.
   */
  glassDelayMs: number;
}

/**
 * Keeps one channel on air: runs its encoder, cuts the encoder's CMAF chunks into segments on the
 * channel's own timeline (sequence numbers and times that never go back, across encoder restarts and
 * origin restarts), writes them to disk and to the store, and replaces a failed or stalled input
 * with a "signal lost" slate (network inputs) or a restarted encoder (synthetic and file inputs).
 */
export class ChannelRunner extends EventEmitter<{ segment: [SegmentPublished]; part: [PartialSegment]; init: [LiveRenditionInfo[]] }> {
  readonly spec: ChannelSpec;
  readonly epochMs: number;
  readonly ladder: LiveLadder;
  readonly #o: ChannelRunnerOptions;
  #run: Run | undefined;
  #runs = 0;
  #restarts = 0;
  #state: ChannelState = 'starting';
  #mode: 'input' | 'slate' = 'input';
  #lastError: string | undefined;
  #liveEdge: { seq: number; publishedAt: string } | undefined;
  #stopping = false;
  #timers = new Set<NodeJS.Timeout>();
  #watchdog: NodeJS.Timeout | undefined;
  #backoffMs: number;
  #fileHasAudio: boolean | undefined;
  #renditions: LiveRenditionInfo[];
  #probing = false;
  #writes: Promise<void> = Promise.resolve();
  readonly #partial = new Map<string, PartialSegment>();

  constructor(options: ChannelRunnerOptions, renditions: LiveRenditionInfo[] = []) {
    super();
    // Every blocking playlist reload and held part request listens for a while.
    this.setMaxListeners(0);
    this.#o = options;
    this.spec = options.spec;
    this.epochMs = options.epochMs;
    this.ladder = LIVE_LADDERS[options.spec.ladder];
    this.#backoffMs = options.restartDelayMs?.min ?? 1000;
    this.#renditions = renditions;
  }

  /** The rendition's segment in progress (LL-HLS: its parts follow the last complete segment). */
  partial(rendition: string): PartialSegment | undefined {
    return this.#partial.get(rendition);
  }

  get renditions(): LiveRenditionInfo[] {
    return this.#renditions;
  }

  get health(): ChannelHealth {
    return {
      state: this.#state,
      source: this.#mode,
      encoder: {
        pid: this.#run?.encoder.running ? this.#run.encoder.pid : undefined,
        runs: this.#runs,
        restarts: this.#restarts,
        startedAt: this.#run ? new Date(this.#run.encoder.startedAt).toISOString() : undefined,
      },
      liveEdge: this.#liveEdge,
      lastError: this.#lastError,
      clock: this.#o.fontFile === undefined ? 'run-counter' : 'wall-clock',
    };
  }

  /** When the running encoder was spawned (epoch ms): the benchmark's "glass" reference. */
  get encoderStartedAt(): number | undefined {
    return this.#run?.encoder.startedAt;
  }

  /** The running encoder's process id (tests kill it to prove a crash does not break numbering). */
  get encoderPid(): number | undefined {
    return this.#run?.encoder.running ? this.#run.encoder.pid : undefined;
  }

  async start(): Promise<void> {
    await mkdir(this.#o.dir, { recursive: true });
    const last = this.#o.store.last(this.spec.id);
    if (last.seq >= 0) this.#liveEdge = { seq: last.seq, publishedAt: new Date(last.endMs).toISOString() };
    if (this.spec.input.type === 'file') {
      try {
        this.#fileHasAudio = (await probeLiveInput(this.#o.tools.ffmpeg.path, this.spec.input.path, 15_000)).hasAudio;
      } catch (error) {
        throw new ProblemError('source-unreadable', `input.path: ${(error as Error).message}`);
      }
    }
    this.#startRun();
    const stallMs = this.#o.stallMs ?? Math.max(6000, this.spec.segmentSeconds * 3000);
    this.#watchdog = setInterval(() => this.#checkStall(stallMs), 500);
  }

  /** Stop the encoder for good and wait until it is gone and every file is written. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#state = 'stopped';
    clearInterval(this.#watchdog);
    for (const timer of this.#timers) clearTimeout(timer);
    const run = this.#run;
    if (run?.encoder.running) {
      run.intentional = true;
      run.encoder.kill();
      await run.encoder.exited;
    }
    await this.#writes;
  }

  #later(ms: number, task: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#stopping) task();
    }, ms);
    this.#timers.add(timer);
  }

  #startRun(): void {
    const input = this.#mode === 'slate' ? ({ type: 'slate' } as const) : this.spec.input;
    const { args, outputs } = encoderArgs({
      input,
      ...(this.#fileHasAudio !== undefined && { fileHasAudio: this.#fileHasAudio }),
      ladder: this.ladder,
      segmentSeconds: this.spec.segmentSeconds,
      partSeconds: this.spec.partSeconds,
      fontFile: this.#o.fontFile,
    });
    const last = this.#o.store.last(this.spec.id);
    this.#runs += 1;
    const run: Run = {
      number: this.#runs,
      mode: this.#mode,
      baseSeq: last.seq + 1,
      disc: undefined,
      anchorMs: undefined,
      tracks: new Map(outputs.map((output) => [output.rendition, { output, init: undefined, index: -1, startOrig: 0, chunks: [], parts: [], lastSeq: last.seq }])),
      lastChunkAt: Date.now(),
      intentional: false,
      encoder: undefined as unknown as LiveEncoder,
    };
    run.encoder = new LiveEncoder(this.#o.tools.ffmpeg.path, args, outputs, {
      onInit: (output, bytes) => this.#onInit(run, output, bytes),
      onChunk: (output, bytes) => this.#onChunk(run, output, bytes),
      onExit: (result) => this.#onExit(run, result),
    });
    this.#run = run;
    if (this.#state !== 'input-lost') this.#state = this.#runs === 1 ? 'starting' : 'restarting';
    this.#o.logger.info({ channel: this.spec.id, run: run.number, mode: run.mode, pid: run.encoder.pid, baseSeq: run.baseSeq }, 'live encoder started');
  }

  #onInit(run: Run, output: EncoderOutput, bytes: Buffer): void {
    const track = run.tracks.get(output.rendition)!;
    const info = parseInitSegment(bytes);
    const id = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
    track.init = { id, info };
    const file = join(this.#o.dir, initFile(output.rendition, id));
    this.#queueWrite(async () => {
      try {
        await access(file);
      } catch {
        await writeFile(`${file}.tmp`, bytes);
        await rename(`${file}.tmp`, file);
      }
    });
    const rung = this.ladder.video.find((r) => r.id === output.rendition);
    const rendition: LiveRenditionInfo = rung
      ? { id: rung.id, type: 'video', codecs: info.codecs, timescale: info.timescale, bandwidth: rung.bitrate, width: rung.width, height: rung.height, frameRate: this.ladder.frameRate }
      : { id: output.rendition, type: 'audio', codecs: info.codecs, timescale: info.timescale, bandwidth: this.ladder.audioBitrate };
    const others = this.#renditions.filter((r) => r.id !== rendition.id);
    const previous = this.#renditions.find((r) => r.id === rendition.id);
    if (JSON.stringify(previous) !== JSON.stringify(rendition)) {
      const order = [...this.ladder.video.map((r) => r.id), output.rendition];
      this.#renditions = [...others, rendition].sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
      this.#o.store.setRenditions(this.spec.id, this.#renditions);
      this.emit('init', this.#renditions);
    }
  }

  #onChunk(run: Run, output: EncoderOutput, bytes: Buffer): void {
    if (run !== this.#run) return;
    const track = run.tracks.get(output.rendition)!;
    if (track.init === undefined) throw new Error(`${output.rendition}: a chunk came before the init segment`);
    const timescale = track.init.info.timescale;
    const chunk = parseChunk(bytes);
    const now = Date.now();
    run.lastChunkAt = now;
    // When media time 0 of this run happened: ffmpeg hands a chunk over when the next one starts, so
    // the first chunk arrives about one part after its end; never before the encoder was spawned
    // (sources read at their native rate start then; a network input starts when its media arrives).
    if (run.anchorMs === undefined) {
      run.anchorMs = Math.max(run.encoder.startedAt, now - ((chunk.baseDecodeTime + chunk.duration) / timescale) * 1000 - this.spec.partSeconds * 1000);
      this.#bridge(run);
    }
    const index = Math.floor(chunk.baseDecodeTime / timescale / this.spec.segmentSeconds + 1e-3);
    if (track.index >= 0 && track.chunks.length > 0 && chunk.independent && index > track.index) this.#publish(run, track);
    if (track.chunks.length === 0) {
      if (!chunk.independent) return; // a segment must start with a keyframe
      track.index = Math.max(index, track.index + 1);
      track.startOrig = chunk.baseDecodeTime;
    }
    restampChunk(bytes, chunk, this.#offsetTicks(run, timescale) + chunk.baseDecodeTime);
    track.chunks.push(bytes);
    track.parts.push({ duration: chunk.duration, independent: chunk.independent });
    if (this.#state !== 'input-lost') this.#state = 'live';
    const segmentIndex = track.index;
    const disc = this.#discOf(run);
    // A chunk that reaches the segment boundary completes the segment: publish it now rather than when
    // the next chunk arrives (one part duration later).
    const complete = (chunk.baseDecodeTime + chunk.duration) / timescale >= (segmentIndex + 1) * this.spec.segmentSeconds - 1e-3;
    // The chunk is also an LL-HLS part, published at once (the segment follows when it is complete).
    const partial: PartialSegment = {
      rendition: output.rendition, seq: run.baseSeq + track.index, start: this.#offsetTicks(run, timescale) + track.startOrig,
      pdtMs: this.#pdtMs(run, track.startOrig, timescale), disc, initId: track.init.id, timescale, parts: [...track.parts], complete,
    };
    const file = join(this.#o.dir, partFile(output.rendition, partial.seq, partial.parts.length - 1));
    this.#queueWrite(async () => {
      await writeFile(`${file}.tmp`, bytes);
      await rename(`${file}.tmp`, file);
      if (run !== this.#run || this.#stopping) return;
      this.#partial.set(output.rendition, partial);
      this.emit('part', partial);
    });
    if (complete) this.#publish(run, track);
  }

  #offsetTicks(run: Run, timescale: number): number {
    return Math.round(((run.anchorMs! - this.epochMs) * timescale) / 1000);
  }

  /** Program date time of a segment of the run that starts at `startOrig` (the run's own media time). */
  #pdtMs(run: Run, startOrig: number, timescale: number): number {
    return Math.round(run.anchorMs! + (startOrig / timescale) * 1000);
  }

  /**
   * The run's discontinuity sequence number, fixed by its first part: one more than the last stored
   * segment's (a run that never completes a segment leaves the store as it was, so the next run takes the
   * same number).
   */
  #discOf(run: Run): number {
    if (run.disc === undefined) {
      const last = this.#o.store.last(this.spec.id);
      run.disc = last.seq < 0 ? 0 : last.disc + 1;
    }
    return run.disc;
  }

  #publish(run: Run, track: TrackState): void {
    const init = track.init!;
    const timescale = init.info.timescale;
    const disc = this.#discOf(run);
    const seq = run.baseSeq + track.index;
    const chunks = track.chunks;
    const parts = track.parts;
    track.chunks = [];
    track.parts = [];
    const duration = parts.reduce((sum, part) => sum + part.duration, 0);
    const start = this.#offsetTicks(run, timescale) + track.startOrig;
    const pdtMs = this.#pdtMs(run, track.startOrig, timescale);
    // Media that never came (the encoder skipped a whole segment's time): EXT-X-GAP placeholders
    // keep the sequence numbers consecutive.
    for (let missing = track.lastSeq + 1; missing < seq; missing++) {
      if (missing < run.baseSeq) continue;
      const gapDuration = this.spec.segmentSeconds * timescale;
      const gapStart = start - (seq - missing) * gapDuration;
      this.#o.store.addSegment(this.spec.id, {
        rendition: track.output.rendition, seq: missing, disc, start: gapStart, duration: gapDuration, timescale,
        pdtMs: pdtMs - (seq - missing) * this.spec.segmentSeconds * 1000, initId: init.id, parts: [], gap: true,
      });
    }
    track.lastSeq = seq;
    const segment: LiveSegment = {
      rendition: track.output.rendition, seq, disc, start, duration, timescale, pdtMs, initId: init.id,
      parts, gap: false,
    };
    const file = join(this.#o.dir, segmentFile(segment.rendition, seq));
    const body = Buffer.concat(chunks);
    const glassEndMs = run.encoder.startedAt + ((track.startOrig + duration) / timescale) * 1000;
    this.#queueWrite(async () => {
      await writeFile(`${file}.tmp`, body);
      await rename(`${file}.tmp`, file);
      this.#o.store.addSegment(this.spec.id, segment);
      if (this.#partial.get(segment.rendition)?.seq === seq) this.#partial.delete(segment.rendition);
      const publishedAt = Date.now();
      if (this.#liveEdge === undefined || seq >= this.#liveEdge.seq) this.#liveEdge = { seq, publishedAt: new Date(publishedAt).toISOString() };
      this.emit('segment', { segment, availabilityDelayMs: publishedAt - (pdtMs + (duration / timescale) * 1000), glassDelayMs: publishedAt - glassEndMs });
      this.#prune(publishedAt);
    });
  }

  /**
   * Before the run's first part: line every rendition up with the channel's newest segment, and list the time
   * an encoder restart kept the channel off air as EXT-X-GAP placeholders (off-air-gaps.ts), so the run numbers
   * its segments after them and program date times stay continuous.
   *
   * A segment an earlier run published for another rendition but not for this one (the encoder died between
   * them) becomes a placeholder with the sibling's time and discontinuity number: a hole would shift the
   * playlist's media sequence numbers against its URIs and the other renditions', and the renditions would
   * count different discontinuities.
   */
  #bridge(run: Run): void {
    const last = this.#o.store.last(this.spec.id);
    if (last.seq < 0) return;
    const disc = this.#discOf(run);
    const gaps = offAirGaps({ lastEndMs: last.endMs, runStartMs: run.anchorMs!, segmentSeconds: this.spec.segmentSeconds });
    for (const info of this.#renditions) {
      const own = this.#o.store.lastSeq(this.spec.id, info.id);
      const previous = own < 0 ? undefined : this.#o.store.segment(this.spec.id, info.id, own);
      if (previous === undefined) continue; // a rendition new to the channel: nothing to line up with
      const ticks = (ms: number) => Math.round((ms * info.timescale) / 1000);
      for (let seq = own + 1; seq <= last.seq; seq++) {
        const sibling = this.#renditions.map((r) => (r.id === info.id ? undefined : this.#o.store.segment(this.spec.id, r.id, seq))).find((s) => s !== undefined);
        if (sibling === undefined) continue;
        const rescale = (t: number) => Math.round((t * info.timescale) / sibling.timescale);
        this.#o.store.addSegment(this.spec.id, {
          rendition: info.id, seq, disc: sibling.disc, start: rescale(sibling.start), duration: rescale(sibling.duration), timescale: info.timescale,
          pdtMs: sibling.pdtMs, initId: previous.initId, parts: [], gap: true,
        });
      }
      for (let k = 0; k < gaps.count; k++) {
        const pdtMs = Math.round(gaps.startMs + k * gaps.durationMs);
        const endMs = Math.round(gaps.startMs + (k + 1) * gaps.durationMs);
        this.#o.store.addSegment(this.spec.id, {
          rendition: info.id, seq: last.seq + 1 + k, disc, start: ticks(pdtMs - this.epochMs), duration: ticks(endMs - pdtMs), timescale: info.timescale,
          pdtMs, initId: previous.initId, parts: [], gap: true,
        });
      }
    }
    if (gaps.count > 0) this.#o.logger.info({ channel: this.spec.id, run: run.number, offAirMs: Math.round(run.anchorMs! - last.endMs), gaps: gaps.count }, 'off-air time listed as gaps');
    run.baseSeq = last.seq + 1 + gaps.count;
    for (const track of run.tracks.values()) track.lastSeq = run.baseSeq - 1;
  }

  #queueWrite(task: () => Promise<void>): void {
    this.#writes = this.#writes.then(task).catch((error: unknown) => {
      this.#lastError = `write failed: ${(error as Error).message}`;
      this.#o.logger.error({ channel: this.spec.id, err: error }, 'live segment write failed');
    });
  }

  #lastPrune = 0;
  #prune(now: number): void {
    if (now - this.#lastPrune < 10_000) return;
    this.#lastPrune = now;
    // Keep a minute beyond the DVR window: a player that fetched the playlist just before may still ask.
    const gone = this.#o.store.prune(this.spec.id, now - this.spec.dvrWindowSeconds * 1000 - 60_000);
    for (const segment of gone) {
      if (segment.gap) continue;
      void unlink(join(this.#o.dir, segmentFile(segment.rendition, segment.seq))).catch(() => {});
      segment.parts.forEach((_, i) => void unlink(join(this.#o.dir, partFile(segment.rendition, segment.seq, i))).catch(() => {}));
    }
  }

  #checkStall(stallMs: number): void {
    const run = this.#run;
    if (this.#stopping || !run?.encoder.running || run.intentional) return;
    // The first chunk of a run may take longer: ffmpeg opens the input and fills a GOP first.
    const limit = run.anchorMs === undefined ? stallMs + 10_000 : stallMs;
    if (Date.now() - run.lastChunkAt > limit) {
      this.#lastError = `no media from the ${run.mode === 'slate' ? 'slate' : 'input'} for ${Math.round((Date.now() - run.lastChunkAt) / 1000)} s`;
      this.#o.logger.warn({ channel: this.spec.id, run: run.number, reason: this.#lastError }, 'live input stalled');
      run.encoder.kill();
    }
  }

  #onExit(run: Run, result: { code: number | null; signal: NodeJS.Signals | null; stderr: string; error?: Error }): void {
    // The last, unfinished segment of each track is dropped: it never got its closing keyframe.
    for (const track of run.tracks.values()) {
      track.chunks = [];
      track.parts = [];
    }
    this.#partial.clear();
    if (this.#stopping) return;
    if (run !== this.#run) return;
    if (run.intentional) {
      this.#startRun();
      return;
    }
    const reason = result.error?.message ?? (result.stderr.split('\n').slice(-2).join(' | ') || `exit ${result.code ?? result.signal}`);
    this.#lastError = `encoder ended: ${reason}`.slice(0, 500);
    this.#restarts += 1;
    this.#o.logger.warn({ channel: this.spec.id, run: run.number, code: result.code, signal: result.signal, reason }, 'live encoder ended');
    const ranLong = Date.now() - run.encoder.startedAt > 30_000;
    if (ranLong) this.#backoffMs = this.#o.restartDelayMs?.min ?? 1000;
    if (this.spec.input.type === 'network' && run.mode === 'input') {
      // The input is gone: put the slate on air at once and look for the input in the background.
      this.#mode = 'slate';
      this.#state = 'input-lost';
      this.#startRun();
      this.#probeInputLater();
      return;
    }
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#o.restartDelayMs?.max ?? 10_000);
    this.#state = 'restarting';
    this.#later(delay, () => this.#startRun());
  }

  #probeInputLater(): void {
    this.#later(this.#o.inputProbeIntervalMs ?? 5000, () => void this.#probeInput());
  }

  async #probeInput(): Promise<void> {
    if (this.spec.input.type !== 'network' || this.#probing) return;
    this.#probing = true;
    try {
      await probeLiveInput(this.#o.tools.ffmpeg.path, this.spec.input.url, 5000);
      if (this.#stopping) return;
      this.#o.logger.info({ channel: this.spec.id }, 'live input is back');
      this.#mode = 'input';
      this.#state = 'restarting';
      const run = this.#run;
      if (run?.encoder.running) {
        run.intentional = true;
        run.encoder.kill();
      } else {
        this.#startRun();
      }
    } catch {
      this.#probeInputLater();
    } finally {
      this.#probing = false;
    }
  }
}
