import { ManifestError } from './manifest-error.ts';

export interface RewriteOptions {
  /** Largest manifest accepted, in UTF-8 bytes. Default 8 MiB. */
  maxBytes?: number;
}

export const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

/** Validates the options once per call; a bad limit is a programming error, not an upstream fault. */
export function resolveMaxBytes(options: RewriteOptions | undefined): number {
  const maxBytes = options?.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
    throw new RangeError(`options.maxBytes: expected a positive integer, received ${String(maxBytes)}`);
  }
  return maxBytes;
}

/** Refuses oversized input before any scanning, so a hostile upstream cannot make every viewer's request expensive. */
export function assertWithinSizeLimit(text: string, maxBytes: number, what: string): void {
  // A UTF-16 code unit encodes to 1..3 UTF-8 bytes, so most inputs are decided without counting.
  if (text.length * 3 <= maxBytes) return;
  const bytes = text.length > maxBytes ? text.length : utf8ByteLength(text, maxBytes);
  if (bytes > maxBytes) {
    throw new ManifestError('too-large', `${what} is larger than the ${maxBytes}-byte limit`);
  }
}

/** Counts UTF-8 bytes without allocating an encoded copy; stops early once past `stopAfter`. */
function utf8ByteLength(text: string, stopAfter: number): number {
  let bytes = 0;
  for (let i = 0; i < text.length && bytes <= stopAfter; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}
