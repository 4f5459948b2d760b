/** What the live packager reads from an initialization segment (ftyp + moov) of one track. */
export interface InitSegmentInfo {
  /** Media timescale (mdhd) of the track. */
  timescale: number;
  /** RFC 6381 codecs string: avc1.PPCCLL for H.264, mp4a.40.n for AAC. */
  codecs: string;
}

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl']);

function findBoxes(bytes: Buffer, start: number, end: number, found: Map<string, number>): void {
  let offset = start;
  while (offset + 8 <= end) {
    const size = bytes.readUInt32BE(offset);
    if (size < 8 || offset + size > end) return;
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    if (!found.has(type)) found.set(type, offset);
    if (CONTAINERS.has(type)) findBoxes(bytes, offset + 8, offset + size, found);
    if (type === 'stsd') findBoxes(bytes, offset + 16, offset + size, found); // after version/flags and entry_count
    if (type === 'avc1' || type === 'avc3') findBoxes(bytes, offset + 8 + 78, offset + size, found); // VisualSampleEntry header
    if (type === 'mp4a') findBoxes(bytes, offset + 8 + 28, offset + size, found); // AudioSampleEntry header
    offset += size;
  }
}

/** The AAC object type from an esds DecoderSpecificInfo (ISO/IEC 14496-1 descriptors). */
function aacObjectType(bytes: Buffer, esds: number): number {
  const size = bytes.readUInt32BE(esds);
  for (let p = esds + 12; p < esds + size - 2; p++) {
    if (bytes[p] === 0x05) {
      // DecSpecificInfo tag, then a 1..4 byte length, then AudioSpecificConfig: 5 bits of object type.
      let q = p + 1;
      while (q < p + 5 && (bytes[q]! & 0x80) !== 0) q++;
      return bytes[q + 1]! >> 3;
    }
  }
  return 2;
}

export function parseInitSegment(bytes: Buffer): InitSegmentInfo {
  const found = new Map<string, number>();
  findBoxes(bytes, 0, bytes.length, found);
  const mdhd = found.get('mdhd');
  if (mdhd === undefined) throw new Error('init segment has no mdhd');
  const timescale = bytes.readUInt32BE(mdhd + 8 + 4 + (bytes[mdhd + 8] === 1 ? 16 : 8));
  const avcC = found.get('avcC');
  if (avcC !== undefined) {
    const hex = (b: number) => b.toString(16).padStart(2, '0');
    return { timescale, codecs: `avc1.${hex(bytes[avcC + 9]!)}${hex(bytes[avcC + 10]!)}${hex(bytes[avcC + 11]!)}` };
  }
  const esds = found.get('esds');
  if (esds !== undefined) return { timescale, codecs: `mp4a.40.${aacObjectType(bytes, esds)}` };
  throw new Error('init segment holds neither H.264 nor AAC');
}
