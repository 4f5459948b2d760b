/** What the live packager needs of one CMAF chunk (moof + mdat) of a single-track fMP4 stream. */
export interface ChunkInfo {
  /** tfdt baseMediaDecodeTime, in the track's timescale. */
  baseDecodeTime: number;
  /** Sum of the chunk's sample durations, in the track's timescale. */
  duration: number;
  /** The first sample is a sync sample (a keyframe): the chunk may start a segment. */
  independent: boolean;
  /** Byte offset of the 64-bit baseMediaDecodeTime inside the chunk, for restamping. */
  tfdtOffset: number;
}

const NON_SYNC = 0x10000;

function children(bytes: Buffer, start: number, end: number, visit: (type: string, offset: number, size: number) => void): void {
  let offset = start;
  while (offset + 8 <= end) {
    const size = bytes.readUInt32BE(offset);
    if (size < 8 || offset + size > end) throw new Error(`box at ${offset} has a bad size ${size}`);
    visit(bytes.toString('latin1', offset + 4, offset + 8), offset, size);
    offset += size;
  }
}

/**
 * Read tfhd/tfdt/trun of the chunk's single track fragment (ISO/IEC 14496-12 8.8.7, 8.8.8, 8.8.12).
 * Throws on anything else: a live packager must not publish a chunk it cannot time.
 */
export function parseChunk(bytes: Buffer): ChunkInfo {
  let moof: { offset: number; size: number } | undefined;
  children(bytes, 0, bytes.length, (type, offset, size) => {
    if (type === 'moof' && moof === undefined) moof = { offset, size };
  });
  if (moof === undefined) throw new Error('chunk has no moof');
  let traf: { offset: number; size: number } | undefined;
  children(bytes, moof.offset + 8, moof.offset + moof.size, (type, offset, size) => {
    if (type === 'traf') {
      if (traf !== undefined) throw new Error('chunk has more than one track fragment');
      traf = { offset, size };
    }
  });
  if (traf === undefined) throw new Error('chunk has no traf');
  let defaultDuration: number | undefined;
  let defaultFlags: number | undefined;
  let baseDecodeTime: number | undefined;
  let tfdtOffset = -1;
  let duration = 0;
  let firstFlags: number | undefined;
  children(bytes, traf.offset + 8, traf.offset + traf.size, (type, offset) => {
    if (type === 'tfhd') {
      const flags = bytes.readUInt32BE(offset + 8) & 0xffffff;
      let p = offset + 16; // after version/flags and track_ID
      if (flags & 0x1) p += 8; // base_data_offset
      if (flags & 0x2) p += 4; // sample_description_index
      if (flags & 0x8) { defaultDuration = bytes.readUInt32BE(p); p += 4; }
      if (flags & 0x10) p += 4; // default_sample_size
      if (flags & 0x20) defaultFlags = bytes.readUInt32BE(p);
    } else if (type === 'tfdt') {
      const version = bytes[offset + 8];
      if (version === 1) {
        baseDecodeTime = Number(bytes.readBigUInt64BE(offset + 12));
        tfdtOffset = offset + 12;
      } else {
        baseDecodeTime = bytes.readUInt32BE(offset + 12);
      }
    } else if (type === 'trun') {
      const flags = bytes.readUInt32BE(offset + 8) & 0xffffff;
      const count = bytes.readUInt32BE(offset + 12);
      let p = offset + 16;
      if (flags & 0x1) p += 4; // data_offset
      let first: number | undefined;
      if (flags & 0x4) { first = bytes.readUInt32BE(p); p += 4; }
      for (let i = 0; i < count; i++) {
        let sampleDuration = defaultDuration;
        if (flags & 0x100) { sampleDuration = bytes.readUInt32BE(p); p += 4; }
        if (flags & 0x200) p += 4; // size
        if (flags & 0x400) { if (i === 0 && first === undefined) first = bytes.readUInt32BE(p); p += 4; }
        if (flags & 0x800) p += 4; // composition time offset
        if (sampleDuration === undefined) throw new Error('trun sample has no duration');
        duration += sampleDuration;
      }
      firstFlags ??= first;
    }
  });
  if (baseDecodeTime === undefined) throw new Error('chunk has no tfdt');
  if (tfdtOffset < 0) throw new Error('chunk tfdt is version 0 (32-bit); the packager restamps 64-bit times only');
  const sampleFlags = firstFlags ?? defaultFlags ?? 0;
  return { baseDecodeTime, duration, independent: (sampleFlags & NON_SYNC) === 0, tfdtOffset };
}

/** Move a chunk onto the channel's timeline: rewrite its 64-bit baseMediaDecodeTime in place. */
export function restampChunk(bytes: Buffer, info: ChunkInfo, baseDecodeTime: number): void {
  bytes.writeBigUInt64BE(BigInt(baseDecodeTime), info.tfdtOffset);
}
