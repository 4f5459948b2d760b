import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseTitleEntitlements, type TitleEntitlements } from './title-rights.ts';

/**
 * The catalogue's mutable half: one `<dataDir>/catalogue/<id>.rights.json` per title whose rights
 * were set. Media records are immutable once published; rights change (a window opens, a blackout is
 * added), so they live apart. Writes go to a temporary file renamed over the old one: a reader sees
 * the old document or the new one, never half of either.
 */
export class RightsStore {
  readonly #dir: string;
  #sequence = 0;

  constructor(dataDir: string) {
    this.#dir = join(dataDir, 'catalogue');
  }

  /** `id` must already be validated (parseId); undefined when no rights were ever set. */
  async get(id: string, kind: 'vod' | 'live'): Promise<TitleEntitlements | undefined> {
    let text: string;
    try {
      text = await readFile(this.#file(id), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    // Re-validated on read: a hand-edited file that no longer parses is a fault, not a permission.
    return parseTitleEntitlements(JSON.parse(text), kind);
  }

  async put(id: string, entitlements: TitleEntitlements): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    const temporary = join(this.#dir, `.${id}.${process.pid}.${++this.#sequence}.tmp`);
    await writeFile(temporary, `${JSON.stringify(entitlements, null, 2)}\n`, { mode: 0o644 });
    await rename(temporary, this.#file(id));
  }

  #file(id: string): string {
    return join(this.#dir, `${id}.rights.json`);
  }
}
