import { join, sep } from 'node:path';
import { parseId, parseMediaPath, ProblemError } from '@cascade/common';
import type { Context } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { IMMUTABLE_CACHE_CONTROL } from '../http/content-type.ts';
import { rawPath } from '../http/raw-path.ts';
import { serveFile } from '../http/serve-file.ts';
import type { ChannelManager } from '../live/channel-manager.ts';
import { parseHlsDeliveryDirectives } from '../live/hls-delivery-directives.ts';
import { initFile, parseLiveFile, partFile, segmentFile } from '../live/live-file-names.ts';

export const LIVE_PREFIX = '/live/';

/** Live manifests change every segment: caches may keep them for one second (shields cap this further). */
const LIVE_MANIFEST_CACHE_CONTROL = 'public, max-age=1';

/**
 * GET|HEAD /live/{channelId}/{file}: the channel's multivariant playlist, media playlists and MPD,
 * written from the segment store on each request, and its init and media segments from disk.
 */
export function liveMediaRoute(deps: { channels: ChannelManager }) {
  return async (c: Context<{ Bindings: HttpBindings }>): Promise<Response> => {
    const method = c.req.method;
    if (method !== 'GET' && method !== 'HEAD') throw new ProblemError('method-not-allowed', `${method} is not allowed on media`, { allow: ['GET', 'HEAD'] });
    const segments = parseMediaPath(rawPath(c).slice(LIVE_PREFIX.length));
    const [channelId, fileName] = segments;
    if (segments.length !== 2 || channelId === undefined || fileName === undefined) throw new ProblemError('not-found', 'live paths are /live/{channelId}/{file}');
    const id = parseId(channelId, 'channel id');
    if (!deps.channels.has(id)) throw new ProblemError('channel-not-found', `no channel ${JSON.stringify(id)}`);
    const file = parseLiveFile(fileName);
    if (file === undefined) throw new ProblemError('not-found', 'No such media file');
    const manifest = (body: string, contentType: string) =>
      new Response(method === 'HEAD' ? null : body, { status: 200, headers: { 'content-type': contentType, 'cache-control': LIVE_MANIFEST_CACHE_CONTROL } });
    switch (file.kind) {
      case 'master':
        return manifest(deps.channels.master(id), 'application/vnd.apple.mpegurl');
      case 'playlist': {
        const directives = parseHlsDeliveryDirectives(new URL(c.req.url).searchParams);
        return manifest(await deps.channels.mediaPlaylist(id, file.rendition, directives), 'application/vnd.apple.mpegurl');
      }
      case 'mpd':
        return manifest(deps.channels.mpd(id), 'application/dash+xml');
      default:
        break;
    }
    let name: string;
    let contentType: string;
    if (file.kind === 'init') {
      name = initFile(file.rendition, file.initId);
      contentType = file.rendition.startsWith('audio') ? 'audio/mp4' : 'video/mp4';
    } else if (file.kind === 'part') {
      await deps.channels.awaitPart(id, file.rendition, file.seq, file.index);
      name = partFile(file.rendition, file.seq, file.index);
      contentType = 'video/iso.segment';
    } else {
      const segment = file.kind === 'segment' ? deps.channels.segment(id, file.rendition, file.seq) : deps.channels.segmentAt(id, file.rendition, file.start);
      if (segment === undefined || segment.gap) throw new ProblemError('not-found', 'No such segment (not yet published, or past the DVR window)');
      name = segmentFile(segment.rendition, segment.seq);
      contentType = 'video/iso.segment';
    }
    const dir = deps.channels.channelDir(id);
    const path = join(dir, name);
    if (!path.startsWith(dir + sep)) throw new ProblemError('bad-path', 'path leaves the channel directory');
    return serveFile(path, { method, requestHeaders: c.req.raw.headers, contentType, cacheControl: IMMUTABLE_CACHE_CONTROL });
  };
}
