/**
 * A small ISO BMFF (ISO/IEC 14496-12) box tree for the boxes the CENC encryptor edits: containers are
 * parsed into children, every other box is kept as its bytes. Serializing recomputes every size, so a
 * box added deep inside moov or moof fixes its ancestors' sizes.
 */
export interface Mp4Box {
  type: string;
  /** For containers: the bytes between the header and the first child (full-box fields, sample-entry fields). */
  preamble: Uint8Array;
  children?: Mp4Box[];
  /** For leaves: the payload after the 8-byte header. */
  payload?: Uint8Array;
}

/** Containers and how many bytes of fields precede their children. */
const CONTAINERS: Record<string, number> = {
  moov: 0, trak: 0, mdia: 0, minf: 0, stbl: 0, mvex: 0, moof: 0, traf: 0, sinf: 0, schi: 0,
  stsd: 8, // version/flags, entry_count
  avc1: 78, avc3: 78, hvc1: 78, hev1: 78, encv: 78, // VisualSampleEntry fields
  mp4a: 28, enca: 28, // AudioSampleEntry (version 0) fields
};

export function boxType(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!, bytes[at + 6]!, bytes[at + 7]!);
}

/** The top-level boxes of a buffer as [type, start, end] without copying. */
export function topLevelBoxes(bytes: Uint8Array): Array<{ type: string; start: number; end: number }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Array<{ type: string; start: number; end: number }> = [];
  let at = 0;
  while (at < bytes.byteLength) {
    if (at + 8 > bytes.byteLength) throw new Error(`truncated box header at ${at}`);
    let size = view.getUint32(at);
    if (size === 1) size = Number(view.getBigUint64(at + 8));
    else if (size === 0) size = bytes.byteLength - at;
    if (size < 8 || at + size > bytes.byteLength) throw new Error(`box ${JSON.stringify(boxType(bytes, at))} at ${at} has a bad size ${size}`);
    out.push({ type: boxType(bytes, at), start: at, end: at + size });
    at += size;
  }
  return out;
}

export function parseBox(bytes: Uint8Array): Mp4Box {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = view.getUint32(0);
  if (size === 1 || size !== bytes.byteLength) throw new Error(`box ${boxType(bytes, 0)}: expected a 32-bit size equal to its ${bytes.byteLength} bytes`);
  const type = boxType(bytes, 0);
  const preambleLength = CONTAINERS[type];
  if (preambleLength === undefined) return { type, preamble: new Uint8Array(0), payload: bytes.subarray(8) };
  const body = bytes.subarray(8);
  const children = topLevelBoxes(body.subarray(preambleLength)).map((b) => parseBox(body.subarray(preambleLength + b.start, preambleLength + b.end)));
  return { type, preamble: body.subarray(0, preambleLength), children };
}

export function boxSize(box: Mp4Box): number {
  return 8 + box.preamble.byteLength + (box.children ? box.children.reduce((n, c) => n + boxSize(c), 0) : box.payload!.byteLength);
}

export function serializeBox(box: Mp4Box, out = new Uint8Array(boxSize(box)), at = 0): Uint8Array {
  const size = boxSize(box);
  new DataView(out.buffer, out.byteOffset).setUint32(at, size);
  for (let i = 0; i < 4; i++) out[at + 4 + i] = box.type.charCodeAt(i);
  out.set(box.preamble, at + 8);
  let cursor = at + 8 + box.preamble.byteLength;
  if (box.children) {
    for (const child of box.children) {
      serializeBox(child, out, cursor);
      cursor += boxSize(child);
    }
  } else {
    out.set(box.payload!, cursor);
  }
  return out;
}

/** A leaf box from its payload parts. */
export function leaf(type: string, ...parts: Uint8Array[]): Mp4Box {
  const payload = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    payload.set(part, at);
    at += part.byteLength;
  }
  return { type, preamble: new Uint8Array(0), payload };
}

export function child(box: Mp4Box, type: string): Mp4Box | undefined {
  return box.children?.find((c) => c.type === type);
}

export function path(box: Mp4Box, ...types: string[]): Mp4Box {
  let current = box;
  for (const type of types) {
    const next = child(current, type);
    if (!next) throw new Error(`no ${type} inside ${current.type}`);
    current = next;
  }
  return current;
}

export function u8(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

export function u16(value: number): Uint8Array {
  return u8((value >>> 8) & 0xff, value & 0xff);
}

export function u32(value: number): Uint8Array {
  return u8((value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
}

export function fourcc(value: string): Uint8Array {
  return Uint8Array.from(value, (c) => c.charCodeAt(0));
}
