import type { PackagedRendition } from '../media/hls-from-mpd.ts';
import type { PackagedVod } from '../media/package-vod.ts';
import type { ThumbnailTrack } from '../media/make-thumbnails.ts';
import type { WrappedContentKey } from '@cascade/licensing/protection';

export const TITLE_RECORD_FILE = 'title.json';

/** What the catalogue keeps of a packaged rendition: its description, not its segment list. */
export type TitleRendition = Omit<PackagedRendition, 'representationId' | 'segments'> & {
  segmentCount: number;
  /** The content key id (UUID) the rendition is encrypted with, when the title is protected. */
  keyId?: string;
};

/**
 * A protected title's keys as the catalogue stores and serves them: each wrapped under the KEK
 * (AES-KW), so the catalogue, the shield and every cache only ever hold wrapped keys.
 */
export interface TitleProtection {
  /** `aes-128`: HLS only (whole-segment AES-128-CBC); the edge offers no MPD for such a title. */
  scheme: 'cenc' | 'cbcs' | 'aes-128';
  keys: WrappedContentKey[];
}

/**
 * The immutable media record stored beside a title's media as `title.json`. GET /api/v1/titles/{id}
 * serves it together with the title's mutable rights, which live in the rights store.
 */
export interface TitleRecord {
  id: string;
  kind: 'vod';
  name: string;
  durationSeconds: number;
  segmentDurationSeconds: number;
  /** Manifest file names in the title's directory, served under /vod/{id}/. */
  manifests: { hls: string; dash: string };
  renditions: TitleRendition[];
  createdAt: string;
  /** The ingest job that made the title (absent for the sample); lets a restarted job see its own finished work. */
  sourceJobId?: string;
  /** Sidecar WebVTT subtitles, each also an HLS SUBTITLES rendition and a DASH text AdaptationSet. */
  subtitles?: Array<{ id: string; language: string | undefined; file: string; playlist: string }>;
  /** Scrubbing thumbnails: a WebVTT track of sprite tiles (the I-frame playlists are on the video renditions). */
  thumbnails?: ThumbnailTrack;
  /** Present when the media is encrypted (README "Licensing"). */
  protection?: TitleProtection;
}

export interface TitleRecordExtras {
  sourceJobId?: string;
  thumbnails?: ThumbnailTrack;
  /** The wrapped keys the key service issued for the packaging (only those the renditions use are kept). */
  wrappedKeys?: WrappedContentKey[];
}

export function titleRecordFrom(
  id: string,
  name: string,
  packaged: PackagedVod,
  now: Date = new Date(),
  extras: TitleRecordExtras = {},
): TitleRecord {
  const record: TitleRecord = {
    id,
    kind: 'vod',
    name,
    durationSeconds: Math.round(packaged.durationSeconds * 1000) / 1000,
    segmentDurationSeconds: packaged.segmentSeconds,
    manifests: packaged.manifests,
    renditions: packaged.renditions.map((r) => {
      const rendition: TitleRendition = {
        id: r.id,
        type: r.type,
        codecs: r.codecs,
        bandwidth: r.bandwidth,
        averageBandwidth: r.averageBandwidth,
        playlist: r.playlist,
        initSegment: r.initSegment,
        segmentCount: r.segments.length,
      };
      if (r.width !== undefined) rendition.width = r.width;
      if (r.height !== undefined) rendition.height = r.height;
      if (r.frameRate !== undefined) rendition.frameRate = r.frameRate;
      if (r.channels !== undefined) rendition.channels = r.channels;
      if (r.language !== undefined) rendition.language = r.language;
      if (r.iFrames !== undefined) rendition.iFrames = { ...r.iFrames };
      const keyId = packaged.protection?.renditions.find((p) => p.renditionId === r.id)?.kid;
      if (keyId !== undefined) rendition.keyId = keyId;
      return rendition;
    }),
    createdAt: now.toISOString(),
  };
  if (extras.sourceJobId !== undefined) record.sourceJobId = extras.sourceJobId;
  if (packaged.subtitles.length > 0) record.subtitles = packaged.subtitles.map((s) => ({ ...s }));
  if (extras.thumbnails !== undefined) record.thumbnails = extras.thumbnails;
  if (packaged.protection) {
    const used = new Set(packaged.protection.renditions.map((r) => r.kid));
    const keys = (extras.wrappedKeys ?? []).filter((k) => used.has(k.kid));
    if (keys.length !== used.size) throw new Error('the packaged media uses a key the key service did not issue');
    record.protection = { scheme: packaged.protection.scheme, keys };
  }
  return record;
}
