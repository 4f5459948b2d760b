/**
 * Cuts a fragmented MP4 byte stream (ffmpeg `-movflags frag_keyframe+empty_moov+default_base_moof`
 * on a pipe) into its top-level pieces: the initialization segment (everything before the first
 * `moof`: ftyp + moov) and then one CMAF chunk per `moof` + `mdat` pair (any `styp`/`prft`/`emsg`
 * boxes before a moof travel with it). Chunks arrive whole or not at all; a box larger than
 * `maxBoxBytes` is a fault of the encoder and stops the stream rather than growing memory.
 */
export type Fmp4Piece = { kind: 'init'; bytes: Buffer } | { kind: 'chunk'; bytes: Buffer };

const MAX_BOX_BYTES = 64 * 1024 * 1024;

export class Fmp4Splitter {
  #buffer: Buffer = Buffer.alloc(0);
  #sawMoof = false;
  #prefix: Buffer[] = [];
  readonly #maxBoxBytes: number;

  constructor(maxBoxBytes = MAX_BOX_BYTES) {
    this.#maxBoxBytes = maxBoxBytes;
  }

  /** Feed bytes; returns the pieces completed by them, in order. Throws on a malformed box header. */
  push(data: Buffer): Fmp4Piece[] {
    this.#buffer = this.#buffer.length === 0 ? data : Buffer.concat([this.#buffer, data]);
    const pieces: Fmp4Piece[] = [];
    let offset = 0;
    while (this.#buffer.length - offset >= 8) {
      let size = this.#buffer.readUInt32BE(offset);
      let header = 8;
      if (size === 1) {
        if (this.#buffer.length - offset < 16) break;
        const large = this.#buffer.readBigUInt64BE(offset + 8);
        if (large > BigInt(this.#maxBoxBytes)) throw new Error(`fMP4 box of ${large} bytes exceeds ${this.#maxBoxBytes}`);
        size = Number(large);
        header = 16;
      }
      if (size < header) throw new Error(`fMP4 box size ${size} is not valid`);
      if (size > this.#maxBoxBytes) throw new Error(`fMP4 box of ${size} bytes exceeds ${this.#maxBoxBytes}`);
      if (this.#buffer.length - offset < size) break;
      const type = this.#buffer.toString('latin1', offset + 4, offset + 8);
      const box = this.#buffer.subarray(offset, offset + size);
      offset += size;
      if (type === 'moof' && !this.#sawMoof) {
        this.#sawMoof = true;
        pieces.push({ kind: 'init', bytes: Buffer.concat(this.#prefix) });
        this.#prefix = [];
      }
      if (!this.#sawMoof) {
        this.#prefix.push(Buffer.from(box));
      } else if (type === 'mdat') {
        pieces.push({ kind: 'chunk', bytes: Buffer.concat([...this.#prefix, box]) });
        this.#prefix = [];
      } else if (type !== 'mfra') {
        // moof, and boxes that belong to the next chunk (styp, prft, emsg); the trailer (mfra) is dropped.
        this.#prefix.push(Buffer.from(box));
      }
    }
    this.#buffer = offset === this.#buffer.length ? Buffer.alloc(0) : Buffer.from(this.#buffer.subarray(offset));
    return pieces;
  }
}
