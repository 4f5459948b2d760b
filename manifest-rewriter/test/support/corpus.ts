/// <reference types="vite/client" />

/**
 * Every fixture as stored, keyed by its path below fixtures/ ("hls/rfc8216-4.1-bom-passthrough.m3u8").
 * Vite raw imports instead of node:fs, so the same corpus loads inside workerd; they keep a BOM and CRLF.
 */
const files = import.meta.glob<string>('../fixtures/**/*.{m3u8,mpd}', { query: '?raw', import: 'default', eager: true });

export const corpus: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(files).map(([path, text]) => [path.replace('../fixtures/', ''), text]),
);

export function fixture(relativePath: string): string {
  const text = corpus[relativePath];
  if (text === undefined) throw new Error(`no fixture ${relativePath}`);
  return text;
}

export const hlsFixtures = Object.keys(corpus).filter((p) => p.endsWith('.m3u8')).sort();
export const dashFixtures = Object.keys(corpus).filter((p) => p.endsWith('.mpd')).sort();
