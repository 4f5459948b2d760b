import { AdResponseError, child, childrenNamed, descend, parseXmlTree, type XmlElement } from './xml-tree.ts';

/** The tracking events the edge fires server-side (VAST 2-4 Linear TrackingEvents plus Impression). */
export const BEACON_EVENTS = ['impression', 'start', 'firstQuartile', 'midpoint', 'thirdQuartile', 'complete'] as const;
export type BeaconEvent = (typeof BEACON_EVENTS)[number];
export type Tracking = Record<BeaconEvent, string[]>;

export interface VastMediaFile {
  url: string;
  type: string;
  delivery: string;
  width: number;
  height: number;
  bitrate: number;
}

export interface VastInlineAd {
  kind: 'inline';
  id: string;
  sequence: number | undefined;
  creativeId: string;
  durationSeconds: number;
  mediaFiles: VastMediaFile[];
  tracking: Tracking;
  errorUrls: string[];
}

export interface VastWrapperAd {
  kind: 'wrapper';
  id: string;
  sequence: number | undefined;
  adTagUri: string;
  tracking: Tracking;
  errorUrls: string[];
}

export type VastAd = VastInlineAd | VastWrapperAd;

export interface VastDocument {
  version: string;
  ads: VastAd[];
  /** A no-fill answer's `<Error>` URLs (VAST 3+ at the root). */
  errorUrls: string[];
}

export function emptyTracking(): Tracking {
  return { impression: [], start: [], firstQuartile: [], midpoint: [], thirdQuartile: [], complete: [] };
}

/** Only absolute http(s) URLs are ever kept: a tracker or media file naming anything else is dropped. */
function httpUrl(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.length > 4096) return undefined;
  try {
    const url = new URL(trimmed);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function urls(elements: XmlElement[]): string[] {
  return elements.map((e) => httpUrl(e.text)).filter((u): u is string => u !== undefined);
}

/** VAST `HH:MM:SS` or `HH:MM:SS.mmm`. */
export function parseClock(text: string): number | undefined {
  const match = /^(\d{1,2}):([0-5]\d):([0-5]\d(?:\.\d{1,3})?)$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

function sequenceOf(ad: XmlElement): number | undefined {
  const raw = ad.attributes['sequence'];
  const value = raw === undefined ? Number.NaN : Number(raw);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

function linearTracking(linears: XmlElement[], into: Tracking): void {
  for (const tracking of linears.flatMap((l) => descend(l, ['TrackingEvents', 'Tracking']))) {
    const event = tracking.attributes['event'];
    const url = httpUrl(tracking.text);
    if (url === undefined || event === undefined) continue;
    if ((BEACON_EVENTS as readonly string[]).includes(event) && event !== 'impression') into[event as BeaconEvent].push(url);
  }
}

function integerAttribute(element: XmlElement, name: string): number {
  const value = Number(element.attributes[name] ?? '0');
  return Number.isFinite(value) && value >= 0 ? Math.round(value) : 0;
}

function inline(ad: XmlElement, body: XmlElement): VastInlineAd | undefined {
  const creative = descend(body, ['Creatives', 'Creative']).find((c) => child(c, 'Linear') !== undefined);
  if (!creative) return undefined; // companion or non-linear only: nothing to stitch
  const linear = child(creative, 'Linear')!;
  const durationSeconds = parseClock(child(linear, 'Duration')?.text ?? '');
  if (durationSeconds === undefined || durationSeconds <= 0) return undefined;
  const mediaFiles = descend(linear, ['MediaFiles', 'MediaFile']).flatMap((m): VastMediaFile[] => {
    const url = httpUrl(m.text);
    return url === undefined
      ? []
      : [{ url, type: m.attributes['type'] ?? '', delivery: m.attributes['delivery'] ?? '', width: integerAttribute(m, 'width'), height: integerAttribute(m, 'height'), bitrate: integerAttribute(m, 'bitrate') }];
  });
  const tracking = emptyTracking();
  tracking.impression.push(...urls(childrenNamed(body, 'Impression')));
  linearTracking([linear], tracking);
  // VAST 4 UniversalAdId, VAST 3 Creative@adId, VAST 2 Creative@AdID, then Creative@id, then the Ad's id.
  const universal = child(creative, 'UniversalAdId')?.text;
  const creativeId = [universal, creative.attributes['adId'], creative.attributes['AdID'], creative.attributes['id'], ad.attributes['id']].find(
    (v): v is string => typeof v === 'string' && v.trim() !== '' && v !== 'unknown',
  );
  return {
    kind: 'inline',
    id: ad.attributes['id'] ?? '',
    sequence: sequenceOf(ad),
    creativeId: (creativeId ?? mediaFiles[0]?.url ?? '').trim(),
    durationSeconds,
    mediaFiles,
    tracking,
    errorUrls: urls(childrenNamed(body, 'Error')),
  };
}

/** Parse a VAST 2.0-4.x answer. Ads this edge cannot play (non-linear only, no duration) are left out. */
export function parseVast(source: string): VastDocument {
  const root = parseXmlTree(source);
  if (root.name !== 'VAST') throw new AdResponseError(`expected a <VAST> document, received <${root.name}>`);
  const version = root.attributes['version'] ?? '';
  if (!/^[234](\.\d+)*$/.test(version)) throw new AdResponseError(`unsupported VAST version ${JSON.stringify(version.slice(0, 20))}`);
  const ads: VastAd[] = [];
  for (const ad of childrenNamed(root, 'Ad')) {
    const inlineBody = child(ad, 'InLine');
    const wrapperBody = child(ad, 'Wrapper');
    if (inlineBody) {
      const parsed = inline(ad, inlineBody);
      if (parsed) ads.push(parsed);
    } else if (wrapperBody) {
      const adTagUri = httpUrl(child(wrapperBody, 'VASTAdTagURI')?.text ?? '');
      if (adTagUri === undefined) continue;
      const tracking = emptyTracking();
      tracking.impression.push(...urls(childrenNamed(wrapperBody, 'Impression')));
      linearTracking(descend(wrapperBody, ['Creatives', 'Creative', 'Linear']), tracking);
      ads.push({ kind: 'wrapper', id: ad.attributes['id'] ?? '', sequence: sequenceOf(ad), adTagUri, tracking, errorUrls: urls(childrenNamed(wrapperBody, 'Error')) });
    }
  }
  return { version, ads, errorUrls: urls(childrenNamed(root, 'Error')) };
}

/** A VMAP 1.0 linear break: where it goes and where its VAST comes from (a URL or an inline VAST document). */
export interface VmapBreak {
  id: string;
  /** Seconds into the content; `'end'` for a post-roll. */
  offset: number | 'end';
  source: { kind: 'url'; url: string } | { kind: 'inline'; vast: string };
}

/** Parse a VMAP 1.0 playlist's linear breaks (`start`, `end`, `HH:MM:SS.mmm`; percent and `#n` offsets are skipped). */
export function parseVmap(source: string): VmapBreak[] {
  const root = parseXmlTree(source);
  if (root.name !== 'VMAP') throw new AdResponseError(`expected a <vmap:VMAP> document, received <${root.name}>`);
  const breaks: VmapBreak[] = [];
  for (const adBreak of childrenNamed(root, 'AdBreak')) {
    if ((adBreak.attributes['breakType'] ?? 'linear').split(',').every((t) => t.trim() !== 'linear')) continue;
    const raw = (adBreak.attributes['timeOffset'] ?? '').trim();
    const offset = raw === 'start' ? 0 : raw === 'end' ? 'end' : parseClock(raw);
    if (offset === undefined) continue;
    const adSource = child(adBreak, 'AdSource');
    if (!adSource) continue;
    const tagUri = httpUrl(child(adSource, 'AdTagURI')?.text ?? '');
    const vastData = child(adSource, 'VASTAdData');
    const id = adBreak.attributes['breakId'] ?? `break-${breaks.length + 1}`;
    if (tagUri !== undefined) breaks.push({ id, offset, source: { kind: 'url', url: tagUri } });
    else if (vastData && vastData.children[0]) breaks.push({ id, offset, source: { kind: 'inline', vast: serialize(vastData.children[0]) } });
  }
  return breaks;
}

/** Re-serialize an inline VAST subtree so the VAST parser reads it like a fetched answer. */
function serialize(element: XmlElement): string {
  const escape = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const attributes = Object.entries(element.attributes).map(([k, v]) => ` ${k}="${escape(v)}"`).join('');
  return `<${element.name}${attributes}>${escape(element.text)}${element.children.map(serialize).join('')}</${element.name}>`;
}
