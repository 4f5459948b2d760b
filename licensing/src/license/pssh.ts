import { keyIdToBytes } from '../keys/key-id.ts';

/**
 * A version 1 `pssh` box (ISO/IEC 23001-7 §8.1) listing key ids, with no system data: the W3C
 * Common PSSH box (system 1077efec-…) that ClearKey CDMs read the requested KIDs from.
 */
export function psshBox(systemId: string, kids: readonly string[]): Uint8Array {
  const size = 8 + 4 + 16 + 4 + 16 * kids.length + 4;
  const box = new Uint8Array(size);
  const view = new DataView(box.buffer);
  view.setUint32(0, size);
  box.set([0x70, 0x73, 0x73, 0x68], 4); // 'pssh'
  view.setUint32(8, 0x01000000); // version 1, flags 0
  box.set(keyIdToBytes(systemId), 12);
  view.setUint32(28, kids.length);
  kids.forEach((kid, i) => box.set(keyIdToBytes(kid), 32 + 16 * i));
  view.setUint32(32 + 16 * kids.length, 0); // DataSize
  return box;
}
