export { rewriteDashUrls } from './dash/rewrite-dash-urls.ts';
export { rewriteHlsUris } from './hls/rewrite-hls-uris.ts';
export { ManifestError, type ManifestErrorReason } from './manifest-error.ts';
export { DEFAULT_MAX_BYTES, type RewriteOptions } from './rewrite-options.ts';
export type { UrlMapper } from './url-mapper.ts';
