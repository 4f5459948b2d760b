import { readFileSync } from 'node:fs';

/** Reads a fixture exactly as stored (a BOM and CRLF survive: Buffer decoding strips neither). */
export function readFixture(relativePath: string): string {
  return readFileSync(new URL(`../fixtures/${relativePath}`, import.meta.url)).toString('utf8');
}
