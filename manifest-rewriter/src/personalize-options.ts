import { checkContentSteering, type ContentSteering } from './content-steering.ts';
import { checkLanguagePreferences, type LanguagePreferences } from './language-preference.ts';
import { checkRenditionFilter, type RenditionFilter } from './rendition-filter.ts';
import { resolveMaxBytes } from './rewrite-options.ts';
import type { UrlRewriter } from './url/url-rewriter.ts';

/** Every transform is optional; with none set, the output equals the input. */
export interface PersonalizeOptions {
  /** The viewer's entitlements and device. Leaving no variant is an error (ManifestError `empty-ladder`). */
  filter?: RenditionFilter;
  /** Operator bitrate ceiling in bits per second under load; the lowest variant always stays. */
  surgeCap?: number;
  /** Preferred audio and subtitle languages become the defaults. */
  languages?: LanguagePreferences;
  /** Media URL rewriting, e.g. `tokenUrlRewriter({...})` or `urlMapperRewriter(map)`. */
  urls?: UrlRewriter;
  /** Content steering tag to write (multivariant playlists and MPDs only). */
  steering?: ContentSteering;
  /** Largest manifest accepted, in UTF-8 bytes. Default 8 MiB. */
  maxBytes?: number;
}

/** Checks the options once per call; a bad option is the caller's bug (RangeError naming the field). */
export function checkPersonalizeOptions(options: PersonalizeOptions): number {
  if (options.filter !== undefined) checkRenditionFilter(options.filter, 'options.filter');
  if (options.surgeCap !== undefined && (!Number.isSafeInteger(options.surgeCap) || options.surgeCap <= 0)) {
    throw new RangeError(`options.surgeCap: expected a positive integer (bits per second), received ${String(options.surgeCap)}`);
  }
  if (options.languages !== undefined) checkLanguagePreferences(options.languages, 'options.languages');
  if (options.urls !== undefined && typeof options.urls.rewrite !== 'function') {
    throw new RangeError('options.urls: expected a UrlRewriter (tokenUrlRewriter or urlMapperRewriter)');
  }
  if (options.steering !== undefined) checkContentSteering(options.steering, 'options.steering');
  return resolveMaxBytes(options);
}
