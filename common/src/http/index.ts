// RFC 9110 request evaluation shared by the Node tiers that serve bytes (origin from files, shield
// from its cache). Kept out of the root export so the Worker bundle does not carry range-parser.
export { ifRangeMatches, isNotModified, type ConditionalHeaders, type Validators } from './conditional-request.ts';
export { selectRange, type RangeSelection } from './range-selection.ts';
