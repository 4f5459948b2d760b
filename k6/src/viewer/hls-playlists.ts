import { resolveUrl } from './resolve-url.ts';

/**
 * Just enough HLS (RFC 8216bis) for a load-test viewer: variants, audio renditions, segments with their
 * sequence numbers, discontinuities and ad-break markers, and the key ids a ClearKey license needs. It
 * is not a validating parser (the manifest rewriter and the players' own parsers are tested for that);
 * it reads what a player must read to behave like one.
 */

export interface Variant {
  uri: string;
  bandwidth: number;
  height: number | undefined;
  audioGroup: string | undefined;
}

export interface AudioRendition {
  uri: string;
  groupId: string;
  isDefault: boolean;
  language: string | undefined;
}

export interface Multivariant {
  variants: Variant[];
  audio: AudioRendition[];
  /** Key ids (32 lower-case hex digits) from EXT-X-SESSION-KEY / EXT-X-KEY `KEYID` attributes. */
  keyIds: string[];
}

export interface Segment {
  uri: string;
  sequence: number;
  duration: number;
  /** An EXT-X-DISCONTINUITY precedes this segment (an ad break starts or ends here). */
  discontinuity: boolean;
  /** Inside an ad break: after EXT-X-CUE-OUT (or on EXT-X-CUE-OUT-CONT), before EXT-X-CUE-IN. */
  inAdBreak: boolean;
  /** The EXT-X-MAP in force for this segment. */
  mapUri: string | undefined;
  /** EXT-X-GAP: the segment is missing and must not be fetched (RFC 8216bis §4.4.4.7). */
  gap: boolean;
}

export interface DateRange {
  id: string;
  startDate: string;
  plannedDuration: number | undefined;
  scte35Out: boolean;
  scte35In: boolean;
}

export interface MediaPlaylist {
  targetDuration: number;
  mediaSequence: number;
  /** EXT-X-SERVER-CONTROL CAN-SKIP-UNTIL (seconds): the server answers delta updates (RFC 8216bis §6.2.5.1). */
  canSkipUntil: number | undefined;
  /** EXT-X-SKIP SKIPPED-SEGMENTS: segments a delta update left out before its first one. */
  skippedSegments: number;
  endList: boolean;
  segments: Segment[];
  dateRanges: DateRange[];
  keyIds: string[];
}

/** Attribute list (RFC 8216bis §4.2): quoted strings keep their commas. */
export function parseAttributes(list: string): Record<string, string> {
  const out: Record<string, string> = {};
  const pattern = /([A-Z0-9-]+)=("[^"]*"|[^,]*)/g;
  for (let match = pattern.exec(list); match; match = pattern.exec(list)) {
    const raw = match[2]!;
    out[match[1]!] = raw.startsWith('"') ? raw.slice(1, -1) : raw;
  }
  return out;
}

function lines(text: string): string[] {
  if (!text.startsWith('#EXTM3U')) throw new SyntaxError('not an HLS playlist: it does not start with #EXTM3U');
  return text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
}

function keyIdOf(attributes: Record<string, string>): string | undefined {
  const raw = attributes['KEYID'];
  if (raw === undefined) return undefined;
  const hex = raw.replace(/^0x/i, '').replace(/-/g, '').toLowerCase();
  return /^[0-9a-f]{32}$/.test(hex) ? hex : undefined;
}

export function parseMultivariant(text: string, baseUrl: string): Multivariant {
  const all = lines(text);
  const variants: Variant[] = [];
  const audio: AudioRendition[] = [];
  const keyIds = new Set<string>();
  for (let i = 0; i < all.length; i++) {
    const line = all[i]!;
    if (line.startsWith('#EXT-X-STREAM-INF:')) {
      const attributes = parseAttributes(line.slice('#EXT-X-STREAM-INF:'.length));
      const uri = all[i + 1];
      if (uri === undefined || uri.startsWith('#')) throw new SyntaxError(`EXT-X-STREAM-INF without a URI line (line ${i + 1})`);
      const resolution = /^(\d+)x(\d+)$/.exec(attributes['RESOLUTION'] ?? '');
      variants.push({
        uri: resolveUrl(baseUrl, uri),
        bandwidth: Number(attributes['BANDWIDTH'] ?? 0),
        height: resolution ? Number(resolution[2]) : undefined,
        audioGroup: attributes['AUDIO'],
      });
      i++;
    } else if (line.startsWith('#EXT-X-MEDIA:')) {
      const attributes = parseAttributes(line.slice('#EXT-X-MEDIA:'.length));
      if (attributes['TYPE'] === 'AUDIO' && attributes['URI'] !== undefined) {
        audio.push({
          uri: resolveUrl(baseUrl, attributes['URI']),
          groupId: attributes['GROUP-ID'] ?? '',
          isDefault: attributes['DEFAULT'] === 'YES',
          language: attributes['LANGUAGE'],
        });
      }
    } else if (line.startsWith('#EXT-X-SESSION-KEY:') || line.startsWith('#EXT-X-KEY:')) {
      const id = keyIdOf(parseAttributes(line.slice(line.indexOf(':') + 1)));
      if (id) keyIds.add(id);
    }
  }
  if (variants.length === 0) throw new SyntaxError('the multivariant playlist has no variant');
  variants.sort((a, b) => a.bandwidth - b.bandwidth);
  return { variants, audio, keyIds: [...keyIds] };
}

export function parseMediaPlaylist(text: string, baseUrl: string): MediaPlaylist {
  const all = lines(text);
  let targetDuration = 0;
  let mediaSequence = 0;
  let canSkipUntil: number | undefined;
  let skippedSegments = 0;
  let endList = false;
  let mapUri: string | undefined;
  let pendingDuration: number | undefined;
  let pendingDiscontinuity = false;
  let pendingGap = false;
  let inAdBreak = false;
  const segments: Segment[] = [];
  const dateRanges: DateRange[] = [];
  const keyIds = new Set<string>();
  for (const line of all) {
    if (line.startsWith('#EXT-X-TARGETDURATION:')) targetDuration = Number(line.slice(22));
    else if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) mediaSequence = Number(line.slice(22));
    else if (line === '#EXT-X-ENDLIST') endList = true;
    else if (line.startsWith('#EXT-X-SERVER-CONTROL:')) {
      const until = Number(parseAttributes(line.slice(22))['CAN-SKIP-UNTIL']);
      canSkipUntil = Number.isFinite(until) && until > 0 ? until : undefined;
    } else if (line.startsWith('#EXT-X-SKIP:')) {
      const skipped = Number(parseAttributes(line.slice(12))['SKIPPED-SEGMENTS']);
      if (!Number.isInteger(skipped) || skipped < 0) throw new SyntaxError(`EXT-X-SKIP without a whole SKIPPED-SEGMENTS: ${line}`);
      skippedSegments = skipped;
    } else if (line.startsWith('#EXT-X-MAP:')) {
      const uri = parseAttributes(line.slice(11))['URI'];
      mapUri = uri === undefined ? undefined : resolveUrl(baseUrl, uri);
    } else if (line.startsWith('#EXTINF:')) pendingDuration = Number.parseFloat(line.slice(8));
    else if (line === '#EXT-X-DISCONTINUITY') pendingDiscontinuity = true;
    else if (line === '#EXT-X-GAP') pendingGap = true;
    else if (line.startsWith('#EXT-X-CUE-OUT-CONT')) inAdBreak = true;
    else if (line.startsWith('#EXT-X-CUE-OUT')) inAdBreak = true;
    else if (line.startsWith('#EXT-X-CUE-IN')) inAdBreak = false;
    else if (line.startsWith('#EXT-X-KEY:')) {
      const id = keyIdOf(parseAttributes(line.slice(11)));
      if (id) keyIds.add(id);
    } else if (line.startsWith('#EXT-X-DATERANGE:')) {
      const a = parseAttributes(line.slice(17));
      dateRanges.push({
        id: a['ID'] ?? '',
        startDate: a['START-DATE'] ?? '',
        plannedDuration: a['PLANNED-DURATION'] === undefined ? undefined : Number(a['PLANNED-DURATION']),
        scte35Out: a['SCTE35-OUT'] !== undefined,
        scte35In: a['SCTE35-IN'] !== undefined,
      });
    } else if (!line.startsWith('#')) {
      if (pendingDuration === undefined) throw new SyntaxError(`segment URI without #EXTINF: ${line}`);
      segments.push({
        uri: resolveUrl(baseUrl, line),
        sequence: mediaSequence + skippedSegments + segments.length,
        duration: pendingDuration,
        discontinuity: pendingDiscontinuity,
        inAdBreak,
        mapUri,
        gap: pendingGap,
      });
      pendingDuration = undefined;
      pendingDiscontinuity = false;
      pendingGap = false;
    }
  }
  if (targetDuration <= 0) throw new SyntaxError('the media playlist has no EXT-X-TARGETDURATION');
  return { targetDuration, mediaSequence, canSkipUntil, skippedSegments, endList, segments, dateRanges, keyIds: [...keyIds] };
}
