/**
 * Byte length, from the start of a CMAF media segment, of everything up to the end of its first
 * sample: the (styp,) moof and mdat headers plus the key frame our segments start with. That is the
 * EXT-X-BYTERANGE an HLS I-frame playlist names (RFC 8216 4.3.3.6). Only the boxes on the way are
 * read: top level, moof > traf > tfhd/trun (ISO/IEC 14496-12 8.8).
 */
export function firstSampleEnd(segment: Uint8Array): number {
  const view = new DataView(segment.buffer, segment.byteOffset, segment.byteLength);
  const boxes = (start: number, end: number) => {
    const found: Array<{ type: string; start: number; body: number; end: number }> = [];
    let at = start;
    while (at + 8 <= end) {
      let size = view.getUint32(at);
      const type = String.fromCharCode(segment[at + 4]!, segment[at + 5]!, segment[at + 6]!, segment[at + 7]!);
      let body = at + 8;
      if (size === 1) {
        size = Number(view.getBigUint64(at + 8));
        body = at + 16;
      } else if (size === 0) {
        size = end - at;
      }
      if (size < 8 || at + size > end) throw new Error(`box ${JSON.stringify(type)} at ${at} has a bad size ${size}`);
      found.push({ type, start: at, body, end: at + size });
      at += size;
    }
    return found;
  };
  const top = boxes(0, segment.byteLength);
  const moof = top.find((b) => b.type === 'moof');
  const mdat = top.find((b) => b.type === 'mdat');
  if (moof === undefined || mdat === undefined) throw new Error('the segment has no moof or no mdat');
  const traf = boxes(moof.body, moof.end).find((b) => b.type === 'traf');
  if (traf === undefined) throw new Error('the moof has no traf');
  const inner = boxes(traf.body, traf.end);
  const tfhd = inner.find((b) => b.type === 'tfhd');
  const trun = inner.find((b) => b.type === 'trun');
  if (tfhd === undefined || trun === undefined) throw new Error('the traf has no tfhd or no trun');

  const tfhdFlags = view.getUint32(tfhd.body) & 0xffffff;
  let at = tfhd.body + 8; // version/flags, track_ID
  if (tfhdFlags & 0x1) at += 8; // base_data_offset
  if (tfhdFlags & 0x2) at += 4; // sample_description_index
  if (tfhdFlags & 0x8) at += 4; // default_sample_duration
  const defaultSize = tfhdFlags & 0x10 ? view.getUint32(at) : undefined;

  const trunFlags = view.getUint32(trun.body) & 0xffffff;
  at = trun.body + 8; // version/flags, sample_count
  let dataOffset: number | undefined;
  if (trunFlags & 0x1) {
    dataOffset = view.getInt32(at);
    at += 4;
  }
  if (trunFlags & 0x4) at += 4; // first_sample_flags
  if (trunFlags & 0x100) at += 4; // sample_duration
  const size = trunFlags & 0x200 ? view.getUint32(at) : defaultSize;
  if (size === undefined) throw new Error('the first sample has no size');
  // ffmpeg writes default-base-is-moof: data_offset counts from the start of the moof.
  const sampleStart = dataOffset !== undefined ? moof.start + dataOffset : mdat.body;
  return sampleStart + size;
}
