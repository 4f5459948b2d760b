/** What a viewer's entitlements and device allow; every field is optional and limits only when set. */
export interface RenditionFilter {
  /** Largest picture height in lines (e.g. 720 for an HD-ready plan). */
  maxHeight?: number;
  /** Largest peak bandwidth in bits per second. */
  maxBandwidth?: number;
  /**
   * Allowed audio and video codecs by sample entry (the part before the first '.'), e.g. `['avc1', 'mp4a']`
   * drops HEVC (`hvc1`, `hev1`) and AV1 (`av01`). Subtitle and caption codecs (`stpp`, `wvtt`, `tx3g`, `c608`)
   * always pass. A rendition that names no codecs is kept: nothing says it is unsupported.
   */
  allowedCodecs?: readonly string[];
  /** `false` drops HDR renditions: HLS VIDEO-RANGE PQ or HLG, Dolby Vision codecs, DASH PQ/HLG transfer characteristics. */
  hdr?: boolean;
}

/** What a manifest says about one rendition, as far as the filter cares. */
export interface RenditionTraits {
  height: number | undefined;
  bandwidth: number | undefined;
  /** Codec strings as listed (`avc1.64001f`), or undefined when the manifest names none. */
  codecs: readonly string[] | undefined;
  hdr: boolean;
}

const TEXT_CODECS = new Set(['stpp', 'wvtt', 'tx3g', 'c608', 'c708']);
const HDR_CODECS = new Set(['dvh1', 'dvhe', 'dva1', 'dvav']);

/** Checks a filter once at the API boundary; a bad value is the caller's bug, so RangeError naming the field. */
export function checkRenditionFilter(filter: RenditionFilter, path: string): void {
  for (const key of ['maxHeight', 'maxBandwidth'] as const) {
    const value = filter[key];
    if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) {
      throw new RangeError(`${path}.${key}: expected a positive integer, received ${String(value)}`);
    }
  }
  if (filter.allowedCodecs !== undefined) {
    if (!Array.isArray(filter.allowedCodecs) || filter.allowedCodecs.some((c) => typeof c !== 'string' || !/^[A-Za-z0-9-]{4}$/.test(c))) {
      throw new RangeError(`${path}.allowedCodecs: expected four-character sample entries like "avc1", received ${JSON.stringify(filter.allowedCodecs)}`);
    }
  }
  if (filter.hdr !== undefined && typeof filter.hdr !== 'boolean') {
    throw new RangeError(`${path}.hdr: expected a boolean, received ${JSON.stringify(filter.hdr)}`);
  }
}

export function codecEntry(codec: string): string {
  const dot = codec.indexOf('.');
  return (dot === -1 ? codec : codec.slice(0, dot)).trim();
}

export function isHdrCodec(codec: string): boolean {
  return HDR_CODECS.has(codecEntry(codec));
}

export function acceptsRendition(filter: RenditionFilter, traits: RenditionTraits): boolean {
  if (filter.maxHeight !== undefined && traits.height !== undefined && traits.height > filter.maxHeight) return false;
  if (filter.maxBandwidth !== undefined && traits.bandwidth !== undefined && traits.bandwidth > filter.maxBandwidth) return false;
  if (filter.hdr === false && traits.hdr) return false;
  if (filter.allowedCodecs !== undefined && traits.codecs !== undefined) {
    for (const codec of traits.codecs) {
      const entry = codecEntry(codec);
      if (!TEXT_CODECS.has(entry) && !filter.allowedCodecs.includes(entry)) return false;
    }
  }
  return true;
}

/** Splits a CODECS / @codecs value ("avc1.64001f,mp4a.40.2"). */
export function splitCodecs(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const codecs = value.split(',').map((c) => c.trim()).filter((c) => c !== '');
  return codecs.length === 0 ? undefined : codecs;
}
