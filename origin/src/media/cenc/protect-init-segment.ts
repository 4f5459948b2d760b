import { keyIdToBytes } from '@cascade/licensing/protection';
import { child, fourcc, leaf, parseBox, path, serializeBox, topLevelBoxes, u32, u8, type Mp4Box } from './mp4-box.ts';
import { CBCS_VIDEO_PATTERN, type ProtectedTrack, type TrackProtection } from './track-protection.ts';

const VIDEO_ENTRIES = new Set(['avc1', 'avc3']);
const AUDIO_ENTRIES = new Set(['mp4a']);

function tenc(kind: 'video' | 'audio', protection: TrackProtection): Mp4Box {
  const kid = keyIdToBytes(protection.kid);
  if (protection.scheme === 'cenc') {
    // version 0: reserved, reserved, default_isProtected, default_Per_Sample_IV_Size (8), default_KID.
    return leaf('tenc', u32(0), u8(0, 0, 1, 8), kid);
  }
  const iv = protection.constantIv;
  if (iv?.length !== 16) throw new RangeError('constantIv: expected 16 bytes for cbcs');
  // version 1: the pattern byte; per-sample IV size 0 and a constant IV. Audio is whole-block CBC (0:0).
  const pattern = kind === 'video' ? (CBCS_VIDEO_PATTERN.crypt << 4) | CBCS_VIDEO_PATTERN.skip : 0;
  return leaf('tenc', u32(0x01000000), u8(0, pattern, 1, 0), kid, u8(16), iv);
}

/**
 * Turn a clear CMAF init segment into a protected one (ISO/IEC 23001-7 §8, ISO/IEC 14496-12 §8.12):
 * the sample entry becomes `encv`/`enca` with a `sinf` (`frma` = the original format, `schm` = the
 * scheme, `schi/tenc` = default KID and IV layout), and the moov carries the given `pssh` boxes.
 */
export function protectInitSegment(init: Uint8Array, protection: TrackProtection): { bytes: Uint8Array; track: ProtectedTrack } {
  const top = topLevelBoxes(init);
  const moovAt = top.find((b) => b.type === 'moov');
  if (!moovAt) throw new Error('the init segment has no moov');
  const moov = parseBox(init.subarray(moovAt.start, moovAt.end));
  const traks = moov.children!.filter((c) => c.type === 'trak');
  if (traks.length !== 1) throw new Error(`expected one track in the init segment, found ${traks.length}`);
  const stsd = path(traks[0]!, 'mdia', 'minf', 'stbl', 'stsd');
  const entries = stsd.children!;
  if (entries.length !== 1) throw new Error(`expected one sample entry, found ${entries.length}`);
  const entry = entries[0]!;
  const original = entry.type;
  let track: ProtectedTrack;
  if (VIDEO_ENTRIES.has(original)) {
    const avcC = child(entry, 'avcC');
    if (!avcC?.payload || avcC.payload.length < 5) throw new Error(`the ${original} sample entry has no avcC`);
    track = { kind: 'video', nalLengthSize: (avcC.payload[4]! & 0x03) + 1 };
    entry.type = 'encv';
  } else if (AUDIO_ENTRIES.has(original)) {
    track = { kind: 'audio' };
    entry.type = 'enca';
  } else {
    throw new Error(`cannot encrypt sample entry ${JSON.stringify(original)} (H.264 and AAC only)`);
  }
  entry.children!.push({
    type: 'sinf',
    preamble: new Uint8Array(0),
    children: [
      leaf('frma', fourcc(original)),
      leaf('schm', u32(0), fourcc(protection.scheme), u32(0x00010000)),
      { type: 'schi', preamble: new Uint8Array(0), children: [tenc(track.kind, protection)] },
    ],
  });
  for (const pssh of protection.psshBoxes) moov.children!.push(parseBox(pssh));

  const newMoov = serializeBox(moov);
  const out = new Uint8Array(init.byteLength - (moovAt.end - moovAt.start) + newMoov.byteLength);
  out.set(init.subarray(0, moovAt.start), 0);
  out.set(newMoov, moovAt.start);
  out.set(init.subarray(moovAt.end), moovAt.start + newMoov.byteLength);
  return { bytes: out, track };
}
