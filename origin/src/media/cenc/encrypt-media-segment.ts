import { createCipheriv, randomBytes } from 'node:crypto';
import { leaf, parseBox, path, serializeBox, topLevelBoxes, u16, u32, type Mp4Box } from './mp4-box.ts';
import { CBCS_VIDEO_PATTERN, type ProtectedTrack, type TrackProtection } from './track-protection.ts';

interface Subsample {
  clear: number;
  protected: number;
}

/** H.264 NAL unit types 1..5 are coded slices (VCL); everything else (SPS, PPS, SEI, AUD) stays clear. */
function isVcl(nalType: number): boolean {
  return nalType >= 1 && nalType <= 5;
}

/**
 * Subsamples of one AVC sample (ISO/IEC 23001-7 §9.5.2.1 / §10.2): every NAL unit's length prefix
 * and header byte stay clear, non-VCL units stay entirely clear, and the protected part of a slice is
 * a whole number of 16-byte blocks at its end, so CTR and CBC both see block-aligned ranges.
 */
function avcSubsamples(sample: Uint8Array, lengthSize: number): Subsample[] {
  const out: Subsample[] = [];
  let clear = 0;
  let at = 0;
  while (at < sample.byteLength) {
    if (at + lengthSize > sample.byteLength) throw new Error('an AVC sample ends inside a NAL length prefix');
    let nalSize = 0;
    for (let i = 0; i < lengthSize; i++) nalSize = nalSize * 256 + sample[at + i]!;
    const total = lengthSize + nalSize;
    if (nalSize === 0 || at + total > sample.byteLength) throw new Error('an AVC NAL unit overruns its sample');
    const nalType = sample[at + lengthSize]! & 0x1f;
    const protectedBytes = isVcl(nalType) ? Math.floor((nalSize - 1) / 16) * 16 : 0;
    clear += total - protectedBytes;
    if (protectedBytes > 0) {
      // BytesOfClearData is 16 bits: a long clear run becomes entries with nothing protected.
      while (clear > 0xffff) {
        out.push({ clear: 0xffff, protected: 0 });
        clear -= 0xffff;
      }
      out.push({ clear, protected: protectedBytes });
      clear = 0;
    }
    at += total;
  }
  if (clear > 0) {
    while (clear > 0xffff) {
      out.push({ clear: 0xffff, protected: 0 });
      clear -= 0xffff;
    }
    out.push({ clear, protected: 0 });
  }
  return out;
}

/** AES-CTR over the protected ranges of one sample, as one continuous key stream (cenc, §9.4). */
function encryptCtr(sample: Uint8Array, key: Uint8Array, iv8: Uint8Array, subsamples: Subsample[] | undefined): void {
  const counter = new Uint8Array(16);
  counter.set(iv8, 0);
  const cipher = createCipheriv('aes-128-ctr', key, counter);
  const ranges = subsamples ?? [{ clear: 0, protected: sample.byteLength }];
  let at = 0;
  for (const range of ranges) {
    at += range.clear;
    if (range.protected > 0) {
      const part = sample.subarray(at, at + range.protected);
      part.set(cipher.update(part));
      at += range.protected;
    }
  }
}

/**
 * AES-CBC with the constant IV, restarted for each subsample (cbcs, §10.4): in each protected range,
 * `crypt` blocks are encrypted and `skip` blocks left clear, repeating; a trailing partial block stays clear.
 * A pattern of 0:0 (audio) encrypts every whole block.
 */
function encryptCbcs(sample: Uint8Array, key: Uint8Array, iv: Uint8Array, subsamples: Subsample[] | undefined, pattern: { crypt: number; skip: number }): void {
  const ranges = subsamples ?? [{ clear: 0, protected: sample.byteLength }];
  let at = 0;
  for (const range of ranges) {
    at += range.clear;
    const end = at + range.protected;
    if (range.protected > 0) {
      const cipher = createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
      let block = at;
      while (block + 16 <= end) {
        const run = pattern.crypt === 0 ? Math.floor((end - block) / 16) : Math.min(pattern.crypt, Math.floor((end - block) / 16));
        const part = sample.subarray(block, block + run * 16);
        part.set(cipher.update(part));
        block += (run + (pattern.crypt === 0 ? 0 : pattern.skip)) * 16;
      }
    }
    at = end;
  }
}

interface TrunInfo {
  box: Mp4Box;
  dataOffset: number;
  sizes: number[];
}

function readTrun(box: Mp4Box, defaultSize: number | undefined): TrunInfo {
  const p = box.payload!;
  const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const flags = view.getUint32(0) & 0xffffff;
  const count = view.getUint32(4);
  let at = 8;
  if (!(flags & 0x1)) throw new Error('trun without data_offset: cannot locate the samples');
  const dataOffset = view.getInt32(at);
  at += 4;
  if (flags & 0x4) at += 4;
  const sizes: number[] = [];
  for (let i = 0; i < count; i++) {
    if (flags & 0x100) at += 4;
    if (flags & 0x200) {
      sizes.push(view.getUint32(at));
      at += 4;
    } else if (defaultSize !== undefined) {
      sizes.push(defaultSize);
    } else {
      throw new Error('a sample has no size (neither trun nor tfhd gives one)');
    }
    if (flags & 0x400) at += 4;
    if (flags & 0x800) at += 4;
  }
  return { box, dataOffset, sizes };
}

function tfhdDefaults(tfhd: Mp4Box, trexDefaultSize: number | undefined): { defaultSize: number | undefined; baseIsMoof: boolean } {
  const p = tfhd.payload!;
  const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const flags = view.getUint32(0) & 0xffffff;
  if (flags & 0x1) throw new Error('tfhd with an explicit base_data_offset is not supported (CMAF uses default-base-is-moof)');
  let at = 8;
  if (flags & 0x2) at += 4;
  if (flags & 0x8) at += 4;
  const defaultSize = flags & 0x10 ? view.getUint32(at) : trexDefaultSize;
  return { defaultSize, baseIsMoof: (flags & 0x20000) !== 0 };
}

/**
 * Encrypt one CMAF media segment in place of a copy (ISO/IEC 23001-7): every sample of every fragment
 * is encrypted, each traf gets `senc` (IVs and subsamples), `saiz` and `saio` (where they are), the
 * trun data offsets move by what the moof grew, and a `sidx` reference grows with its subsegment.
 */
export function encryptMediaSegment(segment: Uint8Array, track: ProtectedTrack, protection: TrackProtection): Uint8Array {
  const top = topLevelBoxes(segment);
  const out: Uint8Array[] = [];
  const growth: number[] = [];
  const data = Uint8Array.from(segment);
  const pattern = track.kind === 'video' ? CBCS_VIDEO_PATTERN : { crypt: 0, skip: 0 };

  for (const box of top) {
    if (box.type !== 'moof') continue;
    const moof = parseBox(data.subarray(box.start, box.end));
    let moofGrowth = 0;
    const trafs = moof.children!.filter((c) => c.type === 'traf');
    // First pass: encrypt samples and build each traf's aux boxes (sizes known before offsets).
    const plans = trafs.map((traf) => {
      const { defaultSize, baseIsMoof } = tfhdDefaults(path(traf, 'tfhd'), undefined);
      if (!baseIsMoof) throw new Error('tfhd without default-base-is-moof is not supported');
      const truns = traf.children!.filter((c) => c.type === 'trun').map((t) => readTrun(t, defaultSize));
      const ivs: Uint8Array[] = [];
      const subs: Array<Subsample[] | undefined> = [];
      for (const trun of truns) {
        let at = box.start + trun.dataOffset;
        for (const size of trun.sizes) {
          if (at + size > data.byteLength) throw new Error('a sample lies outside the segment');
          const sample = data.subarray(at, at + size);
          const subsamples = track.kind === 'video' ? avcSubsamples(sample, track.nalLengthSize ?? 4) : undefined;
          if (protection.scheme === 'cenc') {
            const iv = randomBytes(8);
            encryptCtr(sample, protection.key, iv, subsamples);
            ivs.push(iv);
          } else {
            encryptCbcs(sample, protection.key, protection.constantIv!, subsamples, pattern);
            ivs.push(new Uint8Array(0));
          }
          subs.push(subsamples);
          at += size;
        }
      }
      const useSubsamples = track.kind === 'video';
      const infoSizes = ivs.map((iv, i) => iv.byteLength + (useSubsamples ? 2 + 6 * subs[i]!.length : 0));
      const sencParts: Uint8Array[] = [u32(useSubsamples ? 0x2 : 0), u32(ivs.length)];
      ivs.forEach((iv, i) => {
        sencParts.push(iv);
        if (useSubsamples) {
          sencParts.push(u16(subs[i]!.length));
          for (const s of subs[i]!) sencParts.push(u16(s.clear), u32(s.protected));
        }
      });
      const senc = leaf('senc', ...sencParts);
      const same = infoSizes.every((s) => s === infoSizes[0]);
      const saiz = leaf('saiz', u32(0), Uint8Array.of(same ? (infoSizes[0] ?? 0) : 0), u32(infoSizes.length), ...(same ? [] : [Uint8Array.from(infoSizes)]));
      if (infoSizes.some((s) => s > 255)) throw new Error('a sample has more subsamples than saiz can describe');
      const saio = leaf('saio', u32(0), u32(1), u32(0)); // offset patched below
      // cbcs audio: constant IV and no subsamples leave no auxiliary information at all, and Chromium
      // refuses a saiz of zero-size entries; the tenc defaults describe every sample.
      if (infoSizes.every((size) => size === 0)) return { traf, truns, senc: undefined, saio: undefined };
      traf.children!.push(senc, saiz, saio);
      return { traf, truns, senc, saio };
    });
    const oldSize = box.end - box.start;
    const sized = serializeBox(moof);
    moofGrowth = sized.byteLength - oldSize;
    // Second pass: data offsets move by the growth; saio points at the first IV inside senc (from the moof start).
    for (const plan of plans) {
      for (const trun of plan.truns) new DataView(trun.box.payload!.buffer, trun.box.payload!.byteOffset).setInt32(8, trun.dataOffset + moofGrowth);
      if (plan.senc === undefined || plan.saio === undefined) continue;
      const sencOffset = offsetOf(moof, plan.senc);
      new DataView(plan.saio.payload!.buffer, plan.saio.payload!.byteOffset).setUint32(8, sencOffset + 8 + 8);
    }
    growth.push(moofGrowth);
    (box as { bytes?: Uint8Array }).bytes = serializeBox(moof);
  }

  // sidx: one reference per moof (or one for the whole segment) grows by what its moof grew.
  let moofIndex = 0;
  for (const box of top) {
    if (box.type === 'moof') {
      out.push((box as { bytes?: Uint8Array }).bytes!);
      moofIndex++;
    } else if (box.type === 'sidx') {
      out.push(adjustSidx(data.subarray(box.start, box.end), growth));
    } else {
      out.push(data.subarray(box.start, box.end));
    }
  }
  if (moofIndex === 0) throw new Error('the segment has no moof');
  const total = out.reduce((n, b) => n + b.byteLength, 0);
  const result = new Uint8Array(total);
  let at = 0;
  for (const part of out) {
    result.set(part, at);
    at += part.byteLength;
  }
  return result;
}

/** Byte offset of `target` from the start of `root` once serialized. */
function offsetOf(root: Mp4Box, target: Mp4Box): number {
  const walk = (box: Mp4Box, at: number): number | undefined => {
    if (box === target) return at;
    let cursor = at + 8 + box.preamble.byteLength;
    for (const c of box.children ?? []) {
      const found = walk(c, cursor);
      if (found !== undefined) return found;
      cursor += serializeBox(c).byteLength;
    }
    return undefined;
  };
  const found = walk(root, 0);
  if (found === undefined) throw new Error('box not found in its moof');
  return found;
}

function adjustSidx(sidx: Uint8Array, growth: number[]): Uint8Array {
  const copy = Uint8Array.from(sidx);
  const view = new DataView(copy.buffer);
  const version = copy[8]!;
  let at = 8 + 4 + 4 + 4 + (version === 0 ? 8 : 16) + 2;
  const count = view.getUint16(at);
  at += 2;
  const total = growth.reduce((a, b) => a + b, 0);
  for (let i = 0; i < count; i++) {
    const word = view.getUint32(at);
    const type = word & 0x80000000;
    const add = count === growth.length ? growth[i]! : count === 1 ? total : 0;
    if (count !== 1 && count !== growth.length) throw new Error(`sidx has ${count} references for ${growth.length} fragments`);
    view.setUint32(at, type | ((word & 0x7fffffff) + add));
    at += 12;
  }
  return copy;
}
