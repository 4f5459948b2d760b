import { ManifestError } from '../manifest-error.ts';

/** Returns the replacement URL text for an absolute URL, or undefined to leave that URL untouched. */
export type UrlMapper = (absolute: URL) => string | undefined;

/**
 * Resolves a reference found in a manifest. A reference that cannot be resolved is an upstream fault: passing
 * it through would hand players a URL that bypasses the edge, so the whole manifest is refused instead.
 */
export function resolveReference(reference: string, base: URL): URL {
  try {
    return new URL(reference, base);
  } catch {
    throw new ManifestError('invalid-url', `cannot resolve ${JSON.stringify(reference)} against ${base.href}`);
  }
}
