import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataLayout } from '../storage/data-layout.ts';
import { TITLE_RECORD_FILE, type TitleRecord } from './title-record.ts';

function isTitleRecord(value: unknown, id: string): value is TitleRecord {
  const record = value as Partial<TitleRecord> | null;
  return (
    typeof record === 'object' && record !== null && record.id === id && record.kind === 'vod' &&
    Array.isArray(record.renditions)
  );
}

/**
 * Published titles, read from `<data>/vod/<id>/title.json`. A title exists exactly when its record
 * does: the record is written last inside the build and the directory appears by atomic rename.
 * Records are immutable once published, so hits are cached; misses are not (a title may appear).
 */
export class Catalogue {
  readonly #layout: DataLayout;
  readonly #cache = new Map<string, TitleRecord>();

  constructor(layout: DataLayout) {
    this.#layout = layout;
  }

  /** `id` must already be validated (parseId); undefined when no such title is published. */
  async get(id: string): Promise<TitleRecord | undefined> {
    const cached = this.#cache.get(id);
    if (cached) return cached;
    let text: string;
    try {
      text = await readFile(join(this.#layout.titleDir(id), TITLE_RECORD_FILE), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw error;
    }
    const parsed: unknown = JSON.parse(text);
    if (!isTitleRecord(parsed, id)) throw new Error(`${id}/${TITLE_RECORD_FILE} is not a valid title record`);
    this.#cache.set(id, parsed);
    return parsed;
  }

  /** Forget a cached record (after a title is replaced or removed). */
  invalidate(id: string): void {
    this.#cache.delete(id);
  }
}
