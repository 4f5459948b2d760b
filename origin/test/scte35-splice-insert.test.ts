import { describe, expect, it } from 'vitest';
// The Comcast decoder (scte35 on npm) is written independently of our encoder; its published build
// uses extension-less ESM imports, so the origin project inlines it (vitest.config.ts server.deps).
// It misreads splice_time() and break_duration() of every splice_insert (it builds their DataView
// from the command's offset without the section's byteOffset, and then logs "Bad read"), so those
// fields are checked against the standard's own sample payload instead, byte for byte.
import { SCTE35, type ISpliceInsertEvent } from 'scte35/build/lib/scte35.js';
import { crc32Mpeg2 } from '../src/live/crc32-mpeg2.ts';
import { spliceInsert, toBase64, toHex } from '../src/live/scte35-splice-insert.ts';

describe('SCTE-35 splice_insert encoding', () => {
  it('computes CRC-32/MPEG-2 with the catalogue check value', () => {
    expect(crc32Mpeg2(new TextEncoder().encode('123456789'))).toBe(0x0376e6e7);
  });

  it('reproduces the splice_insert sample of ANSI/SCTE 35 (14.2) byte for byte', () => {
    // Event 0x4800008F, out of network, program splice at PTS 0x07369C02E, auto-return break of
    // 0x00052CCF5 ticks, avail_descriptor with provider_avail_id 0x135.
    const sample = '/DAvAAAAAAAA///wFAVIAACPf+/+c2nALv4AUsz1AAAAAAAKAAhDVUVJAAABNWLbowo=';
    const bytes = spliceInsert({ spliceEventId: 0x4800008f, outOfNetwork: true, ptsTime: 0x07369c02e, breakDuration: 0x00052ccf5, uniqueProgramId: 0, providerAvailId: 0x135 });
    expect(toBase64(bytes)).toBe(sample);
  });

  it('encodes a break start whose section and command an independent decoder reads back', () => {
    const bytes = spliceInsert({ spliceEventId: 1234, outOfNetwork: true, ptsTime: 90_000 * 7200 + 45, breakDuration: 90_000 * 30, availNum: 1, availsExpected: 1 });
    const decoded = SCTE35.parseFromB64(toBase64(bytes));
    expect(decoded.tableId).toBe(0xfc);
    expect(decoded.sectionLength).toBe(bytes.length - 3);
    expect(decoded.encryptedPacket).toBe(false);
    expect(decoded.tier).toBe(0xfff);
    expect(decoded.spliceCommandType).toBe(5);
    expect(decoded.spliceCommandLength).toBe(20);
    const event = decoded.spliceCommand as ISpliceInsertEvent;
    expect(event.spliceEventId).toBe(1234);
    expect(event.spliceEventCancelIndicator).toBe(false);
    expect(event.outOfNetworkIndicator).toBe(true);
    expect(event.programSpliceFlag).toBe(true);
    expect(event.durationFlag).toBe(true);
    expect(event.spliceImmediateFlag).toBe(false);
    // splice_time() and break_duration(), read by hand: 7200 s + 45 ticks, auto_return 30 s.
    expect(toHex(bytes.subarray(20, 25))).toBe(`0x${(0xfe00000000 + 90_000 * 7200 + 45).toString(16).toUpperCase()}`);
    expect(toHex(bytes.subarray(25, 30))).toBe(`0x${(0xfe00000000 + 90_000 * 30).toString(16).toUpperCase()}`);
    expect(toHex(bytes.subarray(30, 34))).toBe('0x00010101');
    // The section's last four bytes are the CRC of everything before them.
    const view = new DataView(bytes.buffer);
    expect(view.getUint32(bytes.length - 4)).toBe(crc32Mpeg2(bytes.subarray(0, bytes.length - 4)));
  });

  it('encodes a return to the network without a break duration, its PTS wrapped at 2^33', () => {
    const bytes = spliceInsert({ spliceEventId: 7, outOfNetwork: false, ptsTime: 2 ** 33 + 10 });
    const decoded = SCTE35.parseFromB64(toBase64(bytes));
    const event = decoded.spliceCommand as ISpliceInsertEvent;
    expect(event.spliceEventId).toBe(7);
    expect(event.outOfNetworkIndicator).toBe(false);
    expect(event.durationFlag).toBe(false);
    expect(decoded.spliceCommandLength).toBe(15);
    expect(toHex(bytes.subarray(20, 25))).toBe('0xFE0000000A');
  });

  it('refuses field values that do not fit their width', () => {
    expect(() => spliceInsert({ spliceEventId: 2 ** 32, outOfNetwork: true, ptsTime: 0 })).toThrow(/spliceEventId: expected an integer in 0\.\.4294967295/);
    expect(() => spliceInsert({ spliceEventId: 1, outOfNetwork: true, ptsTime: 0, breakDuration: -1 })).toThrow(/breakDuration/);
  });
});
