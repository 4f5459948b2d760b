import { clearKeyRequestBody, keysGranted } from './clearkey-request.ts';
import { parseMediaPlaylist, parseMultivariant, type MediaPlaylist, type Multivariant, type Variant } from './hls-playlists.ts';
import { pickVariant, updateEstimate, type AbrRule } from './pick-variant.ts';
import type { RequestType, ViewerPort, ViewerRequest, ViewerResponse } from './viewer-port.ts';

export interface ViewerOptions {
  /** The multivariant playlist with the viewer's token, e.g. `https://edge/v1/play/live-demo/master.m3u8?token=…`. */
  manifestUrl: string;
  /** How long this viewer watches (wall seconds), unless the content ends first (VOD). */
  watchSeconds: number;
  abr: AbrRule;
  /** Throughput assumed before the first segment (bits/s); undefined starts on the lowest variant. */
  startBandwidthBps?: number;
  /** POST the `x-stream-heartbeat` URL this often (seconds); 0 never. */
  heartbeatSeconds: number;
  /** Think time before pressing play, uniform in [min, max] seconds. */
  startDelaySeconds: { min: number; max: number };
  /** Live reloads wait the target duration × (1 ± this), so a crowd does not reload in lock step. */
  reloadJitter: number;
  /** VOD: segments held ahead of the playhead (the player's forward buffer). */
  vodBufferSegments: number;
  /** Live: start this many segments from the end of the playlist (RFC 8216bis §6.3.3: at least 3 target durations). */
  liveEdgeSegments: number;
  /** Fetch the default audio rendition next to the video (HLS alternate audio). */
  fetchAudio: boolean;
  /** Send the `x-stream-stop` URL when done. */
  stopAtEnd: boolean;
  /** Statuses the manifest request is meant to get: a token-abuse viewer expects a refusal. */
  expectManifest?: number[];
  /** Extra request headers (e.g. `x-dev-country` locally). */
  headers?: Record<string, string>;
  /** Extra tags on every request. */
  tags?: Record<string, string>;
  /**
   * CDN failover: other origins serving the same paths (a second CDN in front of the same edge). A
   * viewer moves to the next one when a playlist or segment fails with 5xx or no answer, or for
   * everyone at once when `failoverAtMs` (epoch ms) passes.
   */
  fallbackOrigins?: string[];
  failoverAtMs?: number;
}

export interface ViewerStats {
  outcome: 'watched' | 'refused' | 'ended' | 'failed';
  /** For a refusal or an end: the status and problem code the edge answered. */
  status?: number;
  code?: string;
  requests: Record<RequestType, number>;
  /** Requests that got a status other than the one expected. */
  errors: Record<RequestType, number>;
  bytes: number;
  segments: number;
  adSegments: number;
  discontinuities: number;
  variantSwitches: number;
  failovers: number;
  /** EXT-X-GAP segments skipped. */
  gaps: number;
  /** Key ids a license was asked for, and how many keys it granted. */
  licenseKeysRequested: number;
  licenseKeysGranted: number;
  live: boolean;
  /** Heights of the video variants played, in order of first use. */
  heights: number[];
}

interface Track {
  kind: 'video' | 'audio';
  url: string;
  lastSequence: number | undefined;
  lastMap: string | undefined;
  nextReloadAt: number;
  playlist: MediaPlaylist | undefined;
  /** When `playlist` was loaded (port clock). */
  loadedAt: number;
}

const TYPES: RequestType[] = ['manifest', 'playlist', 'segment', 'license', 'heartbeat'];

function emptyCounts(): Record<RequestType, number> {
  return Object.fromEntries(TYPES.map((t) => [t, 0])) as Record<RequestType, number>;
}

function problemCode(response: ViewerResponse): string | undefined {
  if (!(response.headers['content-type'] ?? '').includes('json')) return undefined;
  try {
    const code = (JSON.parse(response.body) as { code?: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

function fileName(url: string): string {
  return url.split(/[?#]/)[0]!.split('/').pop() ?? url;
}

function originOf(url: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(url)?.[0] ?? '';
}

/**
 * One viewer, from pressing play to leaving: what a player does, request by request, paced by the
 * clock. Pure logic over an injected port, so k6 and Node run the very same code.
 */
export async function runViewer(port: ViewerPort, options: ViewerOptions): Promise<ViewerStats> {
  const stats: ViewerStats = {
    outcome: 'watched', requests: emptyCounts(), errors: emptyCounts(), bytes: 0, segments: 0, adSegments: 0,
    discontinuities: 0, variantSwitches: 0, failovers: 0, gaps: 0, licenseKeysRequested: 0, licenseKeysGranted: 0, live: false, heights: [],
  };
  const origins = [originOf(options.manifestUrl), ...(options.fallbackOrigins ?? [])];
  let pathway = 0;
  let failedOverForAll = false;
  const onPathway = (url: string) => (pathway === 0 ? url : origins[pathway] + url.slice(originOf(url).length));
  const failover = () => {
    if (pathway + 1 >= origins.length) return false;
    pathway++;
    stats.failovers++;
    return true;
  };

  const send = async (request: ViewerRequest): Promise<ViewerResponse> => {
    if (options.failoverAtMs !== undefined && !failedOverForAll && port.now() >= options.failoverAtMs) {
      failedOverForAll = true;
      failover();
    }
    const headers = { ...options.headers, ...request.headers };
    const tags = { ...options.tags, ...request.tags, ...(pathway > 0 && { pathway: String(pathway) }) };
    const expected = request.expectStatuses;
    let response = await port.request({ ...request, url: onPathway(request.url), headers, tags });
    // A CDN that fails (5xx, or no answer at all) is left for the next pathway, and the request retried there.
    if ((response.status === 0 || response.status >= 500) && request.type !== 'manifest' && failover()) {
      response = await port.request({ ...request, url: onPathway(request.url), headers, tags: { ...tags, pathway: String(pathway) } });
    }
    stats.requests[request.type]++;
    stats.bytes += response.bytes;
    const ok = expected ? expected.includes(response.status) : response.status >= 200 && response.status < 300;
    if (!ok) stats.errors[request.type]++;
    return response;
  };

  const startDelay = options.startDelaySeconds.min + port.random() * (options.startDelaySeconds.max - options.startDelaySeconds.min);
  if (startDelay > 0) await port.sleep(startDelay);
  const startedAt = port.now();
  const endAt = startedAt + options.watchSeconds * 1000;

  // 1. The multivariant playlist, with the viewer's token.
  const manifest = await send({
    method: 'GET', url: options.manifestUrl, type: 'manifest',
    ...(options.expectManifest !== undefined && { expectStatuses: options.expectManifest }),
  });
  if (manifest.status !== 200) {
    stats.outcome = options.expectManifest?.includes(manifest.status) ? 'refused' : 'failed';
    stats.status = manifest.status;
    const code = problemCode(manifest);
    if (code !== undefined) stats.code = code;
    return stats;
  }
  let multivariant: Multivariant;
  try {
    multivariant = parseMultivariant(manifest.body, options.manifestUrl);
  } catch {
    stats.outcome = 'failed';
    stats.errors.manifest++;
    return stats;
  }
  const licenseUrl = manifest.headers['x-license-url'];
  const heartbeatUrl = manifest.headers['x-stream-heartbeat'];
  const stopUrl = manifest.headers['x-stream-stop'];

  // 2. Pick the first variant, and the default audio of its group.
  let estimate = options.startBandwidthBps;
  let variant: Variant = pickVariant(multivariant.variants, estimate ?? 0, options.abr);
  const audioFor = (v: Variant) => {
    const group = multivariant.audio.filter((a) => a.groupId === v.audioGroup);
    return (group.find((a) => a.isDefault) ?? group[0])?.uri;
  };
  stats.heights.push(variant.height ?? 0);
  const tracks: Track[] = [{ kind: 'video', url: variant.uri, lastSequence: undefined, lastMap: undefined, nextReloadAt: 0, playlist: undefined, loadedAt: 0 }];
  const audioUri = options.fetchAudio ? audioFor(variant) : undefined;
  if (audioUri !== undefined) tracks.push({ kind: 'audio', url: audioUri, lastSequence: undefined, lastMap: undefined, nextReloadAt: 0, playlist: undefined, loadedAt: 0 });

  // Keys can differ per rendition (per-tier keys: audio, SD, HD): like an EME player, ask for a license
  // whenever a playlist names a key id not yet asked for.
  const requestedKeyIds = new Set<string>();
  const license = async (named: string[]) => {
    const keyIds = named.filter((id) => !requestedKeyIds.has(id));
    if (licenseUrl === undefined || keyIds.length === 0) return;
    for (const id of keyIds) requestedKeyIds.add(id);
    stats.licenseKeysRequested += keyIds.length;
    const answer = await send({
      method: 'POST', url: licenseUrl, type: 'license', body: clearKeyRequestBody(keyIds),
      headers: { 'content-type': 'application/json' },
    });
    if (answer.status === 200) stats.licenseKeysGranted += keysGranted(answer.body, keyIds);
  };
  await license(multivariant.keyIds);

  let nextHeartbeatAt = heartbeatUrl !== undefined && options.heartbeatSeconds > 0 ? startedAt + options.heartbeatSeconds * 1000 : Number.POSITIVE_INFINITY;
  let vodPlayheadStart: number | undefined;
  let ended = false;

  const endSession = (response: ViewerResponse) => {
    // 409 stream-evicted / 410 stream-ended / 401 access-revoked: the edge ended this session.
    if ([401, 403, 409, 410].includes(response.status)) {
      stats.outcome = 'ended';
      stats.status = response.status;
      const code = problemCode(response);
      if (code !== undefined) stats.code = code;
      ended = true;
    }
  };

  const fetchSegments = async (track: Track, playlist: MediaPlaylist, from: number, to: number) => {
    for (const segment of playlist.segments.slice(from, to)) {
      if (segment.gap) {
        // A gap is time the encoder never delivered: a player skips it rather than asking for it.
        track.lastSequence = segment.sequence;
        stats.gaps++;
        continue;
      }
      // The edge writes a fresh session token into every URI on each reload, so the init segment's URL
      // changes while its content does not: compare by file name (the packager names init segments
      // by content), as a player that keeps its init segment across reloads does.
      const mapName = segment.mapUri === undefined ? undefined : fileName(segment.mapUri);
      if (segment.mapUri !== undefined && mapName !== track.lastMap) {
        await send({ method: 'GET', url: segment.mapUri, type: 'segment', discardBody: true, tags: { rendition: track.kind, init: 'true' } });
        track.lastMap = mapName;
      }
      if (segment.discontinuity) stats.discontinuities++;
      const response = await send({
        method: 'GET', url: segment.uri, type: 'segment', discardBody: true,
        tags: { rendition: track.kind, ...(segment.inAdBreak && { ad: 'true' }) },
      });
      stats.segments++;
      if (segment.inAdBreak) stats.adSegments++;
      track.lastSequence = segment.sequence;
      if (track.kind === 'video' && response.status === 200) estimate = updateEstimate(estimate, response.bytes, response.durationMs);
    }
  };

  const reload = async (track: Track): Promise<void> => {
    // RFC 8216bis §6.3.4: the wait before the next reload counts from when this one began.
    const began = port.now();
    // A delta update (_HLS_skip=YES) where the server offers one and the playlist held is no older than
    // half the skip boundary (RFC 8216bis §6.2.5.1), as hls.js does: only the newest segments come back.
    const held = track.playlist;
    const delta = held?.canSkipUntil !== undefined && !held.endList && began - track.loadedAt <= (held.canSkipUntil * 1000) / 2;
    const url = delta ? `${track.url}${track.url.includes('?') ? '&' : '?'}_HLS_skip=YES` : track.url;
    const response = await send({ method: 'GET', url, type: 'playlist', tags: { rendition: track.kind, ...(delta && { delta: 'true' }) } });
    if (response.status !== 200) {
      endSession(response);
      track.nextReloadAt = port.now() + 1000; // a player backs off and retries a failed reload
      return;
    }
    let playlist: MediaPlaylist;
    try {
      playlist = parseMediaPlaylist(response.body, track.url);
    } catch {
      stats.errors.playlist++;
      track.nextReloadAt = port.now() + 1000;
      return;
    }
    await license(playlist.keyIds);
    const changed = track.playlist === undefined || playlist.segments.at(-1)?.sequence !== track.playlist.segments.at(-1)?.sequence;
    track.playlist = playlist;
    track.loadedAt = began;
    stats.live = !playlist.endList;
    if (playlist.endList) {
      track.nextReloadAt = Number.POSITIVE_INFINITY;
      return;
    }
    // Live: start near the live edge, then take every segment newer than the last one played.
    const segments = playlist.segments;
    const from = track.lastSequence === undefined
      ? Math.max(0, segments.length - options.liveEdgeSegments)
      : segments.findIndex((s) => s.sequence > track.lastSequence!);
    if (from >= 0) await fetchSegments(track, playlist, from, segments.length);
    // RFC 8216bis §6.3.4: reload after the target duration, or half of it when nothing changed.
    const wait = (changed ? playlist.targetDuration : playlist.targetDuration / 2) * 1000;
    track.nextReloadAt = began + wait * (1 + options.reloadJitter * (2 * port.random() - 1));
  };

  const switchVariant = (next: Variant) => {
    if (next.uri === variant.uri) return;
    variant = next;
    stats.variantSwitches++;
    if (!stats.heights.includes(next.height ?? 0)) stats.heights.push(next.height ?? 0);
    const video = tracks[0]!;
    video.url = next.uri;
    video.playlist = undefined;
    video.nextReloadAt = 0;
  };

  while (!ended) {
    const now = port.now();
    if (now >= endAt) break;
    // Video and audio load side by side, as players do.
    await Promise.all(tracks.filter((track) => track.nextReloadAt <= now).map((track) => reload(track)));

    // VOD: keep `vodBufferSegments` ahead of a playhead that runs in real time from the first segment.
    if (!stats.live && tracks.every((t) => t.playlist !== undefined)) {
      vodPlayheadStart ??= port.now();
      const played = (port.now() - vodPlayheadStart) / 1000;
      let allDone = true;
      for (const track of tracks) {
        const playlist = track.playlist!;
        const next = track.lastSequence === undefined ? 0 : playlist.segments.findIndex((s) => s.sequence > track.lastSequence!);
        if (next < 0) continue;
        allDone = false;
        const segmentSeconds = playlist.segments[0]?.duration ?? playlist.targetDuration;
        const wanted = Math.min(playlist.segments.length, Math.floor(played / segmentSeconds) + options.vodBufferSegments);
        if (wanted > next) await fetchSegments(track, playlist, next, wanted);
      }
      if (allDone) {
        // Whole title buffered: the viewer watches to the end of it (or of its watch time) and leaves.
        const duration = tracks[0]!.playlist!.segments.reduce((sum, s) => sum + s.duration, 0);
        const until = Math.min(endAt, vodPlayheadStart + duration * 1000);
        while (port.now() < until && !ended) await heartbeatOrSleep(until);
        break;
      }
    }

    // ABR after the video segments of this round.
    const next = pickVariant(multivariant.variants, estimate ?? 0, options.abr);
    if (estimate !== undefined) switchVariant(next);

    const wakeAt = stats.live
      ? Math.min(endAt, ...tracks.map((t) => t.nextReloadAt))
      : Math.min(endAt, port.now() + 1000 * (tracks[0]!.playlist?.segments[0]?.duration ?? 1) / 2);
    await heartbeatOrSleep(wakeAt);
  }

  async function heartbeatOrSleep(wakeAt: number): Promise<void> {
    if (heartbeatUrl !== undefined && port.now() >= nextHeartbeatAt) {
      const response = await send({ method: 'POST', url: heartbeatUrl, type: 'heartbeat' });
      endSession(response);
      nextHeartbeatAt = port.now() + options.heartbeatSeconds * 1000;
    }
    const until = Math.min(wakeAt, nextHeartbeatAt);
    const seconds = (until - port.now()) / 1000;
    if (seconds > 0) await port.sleep(seconds);
  }

  if (!ended && options.stopAtEnd && stopUrl !== undefined) {
    await send({ method: 'POST', url: stopUrl, type: 'heartbeat', tags: { call: 'stop' } });
  }
  return stats;
}
