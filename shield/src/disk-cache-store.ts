import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@cascade/common/node';
import type { CachedObject, ObjectHeaders } from './cached-object.ts';

/** File layout version; a file of another version is dropped at startup rather than misread. */
const FORMAT = 1;
const META_LENGTH_BYTES = 4;
const MAX_META_BYTES = 64 * 1024;

interface Meta {
  v: number;
  key: string;
  status: number;
  headers: ObjectHeaders;
  storedAt: number;
  originAge: number;
  expiresAt: number;
  staleWhileRevalidateUntil: number;
  staleIfErrorUntil: number;
  length: number;
}

/**
 * The second cache tier: one file per object in a directory, bounded by total bytes (LRU), and
 * rebuilt from the directory at startup so a restart keeps the cache warm. A file is a 4-byte
 * big-endian metadata length, the metadata as JSON (key, headers, freshness, body length), then the
 * body. Files are written to a temporary name and renamed, so a crash leaves either the old object or
 * the new one, never half of one; a file whose body is shorter or longer than its metadata says is
 * deleted when found, never served.
 */
export class DiskCacheStore {
  readonly maxBytes: number;
  readonly #dir: string;
  readonly #logger: Logger | undefined;
  /** key → file size; Map order is recency (first = least recently used). */
  #entries = new Map<string, number>();
  #bytes = 0;
  #evictions = 0;

  private constructor(dir: string, maxBytes: number, logger: Logger | undefined) {
    this.#dir = dir;
    this.maxBytes = maxBytes;
    this.#logger = logger;
  }

  /** Open (creating if needed) the directory and index what a previous run left, oldest first. */
  static async open(dir: string, maxBytes: number, logger?: Logger): Promise<DiskCacheStore> {
    const store = new DiskCacheStore(dir, maxBytes, logger);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const found: { key: string; size: number; mtime: number }[] = [];
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      if (!/^[0-9a-f]{64}$/.test(name)) {
        if (name.includes('.tmp-')) await unlink(path).catch(() => {});
        continue;
      }
      const entry = await readEntryHead(path);
      if (entry === undefined || fileName(entry.meta.key) !== name || entry.size !== entry.headerBytes + entry.meta.length) {
        await unlink(path).catch(() => {});
        continue;
      }
      found.push({ key: entry.meta.key, size: entry.size, mtime: entry.mtime });
    }
    found.sort((a, b) => a.mtime - b.mtime);
    for (const { key, size } of found) {
      store.#entries.set(key, size);
      store.#bytes += size;
    }
    await store.#evictUntil(0);
    logger?.info({ dir, objects: store.#entries.size, bytes: store.#bytes }, 'disk cache opened');
    return store;
  }

  async get(key: string): Promise<CachedObject | undefined> {
    const size = this.#entries.get(key);
    if (size === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, size);
    let data: Buffer;
    try {
      data = await readFile(join(this.#dir, fileName(key)));
    } catch {
      this.#drop(key);
      return undefined;
    }
    const parsed = parseEntry(data);
    if (parsed === undefined || parsed.meta.key !== key) {
      this.#logger?.warn({ key }, 'dropping a damaged disk cache entry');
      await this.delete(key);
      return undefined;
    }
    const { meta, body } = parsed;
    return {
      key,
      status: meta.status,
      headers: meta.headers,
      body,
      storedAt: meta.storedAt,
      originAge: meta.originAge,
      expiresAt: meta.expiresAt,
      staleWhileRevalidateUntil: meta.staleWhileRevalidateUntil,
      staleIfErrorUntil: meta.staleIfErrorUntil,
    };
  }

  /** Write (or replace) an object; failures are logged, never thrown: the disk tier is an optimisation. */
  async set(object: CachedObject): Promise<void> {
    const meta: Meta = {
      v: FORMAT,
      key: object.key,
      status: object.status,
      headers: object.headers,
      storedAt: object.storedAt,
      originAge: object.originAge,
      expiresAt: object.expiresAt,
      staleWhileRevalidateUntil: object.staleWhileRevalidateUntil,
      staleIfErrorUntil: object.staleIfErrorUntil,
      length: object.body.byteLength,
    };
    const metaBytes = Buffer.from(JSON.stringify(meta));
    const size = META_LENGTH_BYTES + metaBytes.byteLength + object.body.byteLength;
    if (size > this.maxBytes || metaBytes.byteLength > MAX_META_BYTES) return;
    const prefix = Buffer.alloc(META_LENGTH_BYTES);
    prefix.writeUInt32BE(metaBytes.byteLength);
    const path = join(this.#dir, fileName(object.key));
    const temporary = `${path}.tmp-${randomBytes(6).toString('hex')}`;
    try {
      await writeFile(temporary, [prefix, metaBytes, object.body], { mode: 0o600 });
      await rename(temporary, path);
    } catch (error) {
      await unlink(temporary).catch(() => {});
      this.#logger?.warn({ err: error, key: object.key }, 'disk cache write failed');
      return;
    }
    this.#drop(object.key);
    this.#entries.set(object.key, size);
    this.#bytes += size;
    await this.#evictUntil(0);
  }

  async delete(key: string): Promise<boolean> {
    if (!this.#entries.has(key)) return false;
    this.#drop(key);
    await unlink(join(this.#dir, fileName(key))).catch(() => {});
    return true;
  }

  /** Delete every key starting with `prefix`; returns the keys removed. */
  async deletePrefix(prefix: string): Promise<string[]> {
    const keys = [...this.#entries.keys()].filter((key) => key.startsWith(prefix));
    for (const key of keys) await this.delete(key);
    return keys;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get objects(): number {
    return this.#entries.size;
  }

  get evictions(): number {
    return this.#evictions;
  }

  #drop(key: string): void {
    const size = this.#entries.get(key);
    if (size === undefined) return;
    this.#entries.delete(key);
    this.#bytes -= size;
  }

  async #evictUntil(extra: number): Promise<void> {
    while (this.#bytes + extra > this.maxBytes) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) return;
      await this.delete(oldest.value);
      this.#evictions += 1;
    }
  }
}

/** Keys are paths: hash them so no key can name a file outside the directory. */
function fileName(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function parseMeta(data: Buffer): { meta: Meta; headerBytes: number } | undefined {
  if (data.byteLength < META_LENGTH_BYTES) return undefined;
  const metaLength = data.readUInt32BE(0);
  if (metaLength > MAX_META_BYTES || data.byteLength < META_LENGTH_BYTES + metaLength) return undefined;
  try {
    const meta = JSON.parse(data.toString('utf8', META_LENGTH_BYTES, META_LENGTH_BYTES + metaLength)) as Meta;
    if (meta.v !== FORMAT || typeof meta.key !== 'string' || !Number.isSafeInteger(meta.length)) return undefined;
    return { meta, headerBytes: META_LENGTH_BYTES + metaLength };
  } catch {
    return undefined;
  }
}

function parseEntry(data: Buffer): { meta: Meta; body: Buffer } | undefined {
  const head = parseMeta(data);
  if (head === undefined || data.byteLength !== head.headerBytes + head.meta.length) return undefined;
  return { meta: head.meta, body: data.subarray(head.headerBytes) };
}

async function readEntryHead(path: string): Promise<{ meta: Meta; headerBytes: number; size: number; mtime: number } | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
    const info = await stat(path);
    const buffer = Buffer.alloc(Math.min(info.size, META_LENGTH_BYTES + MAX_META_BYTES));
    await handle.read(buffer, 0, buffer.byteLength, 0);
    const head = parseMeta(buffer);
    return head === undefined ? undefined : { ...head, size: info.size, mtime: info.mtimeMs };
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}
