/**
 * Where an MPD (ISO/IEC 23009-1) carries segment URLs in attributes: SegmentTemplate (5.3.9.4), SegmentList's
 * SegmentURL (5.3.9.3) and URLType elements (5.3.9.2). Relative values resolve against the effective BaseURL,
 * so only values that would escape it need mapping themselves.
 */
export const SEGMENT_URL_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  SegmentTemplate: ['media', 'initialization', 'index', 'bitstreamSwitching'],
  SegmentURL: ['media', 'index'],
  Initialization: ['sourceURL'],
  RepresentationIndex: ['sourceURL'],
  BitstreamSwitching: ['sourceURL'],
};

/**
 * Elements whose text content is a URL players fetch: BaseURL (5.6) and the MPD refresh locations (5.3.1.2),
 * which a live player would otherwise reload from the origin directly. ContentSteering and license URLs
 * (Laurl) are deliberately absent: they are not media URLs.
 */
export const URL_TEXT_ELEMENTS: ReadonlySet<string> = new Set(['BaseURL', 'Location', 'PatchLocation']);

/**
 * A reference that does not resolve below the effective BaseURL: absolute (has a scheme), scheme-relative
 * (//host) or root-relative (/path). WHATWG URL parsing treats a leading backslash like a slash.
 */
export function escapesBaseUrl(reference: string): boolean {
  return /^\s*(?:[a-zA-Z][a-zA-Z0-9+.-]*:|[/\\])/.test(reference);
}
