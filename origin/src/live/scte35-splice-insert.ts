import { crc32Mpeg2 } from './crc32-mpeg2.ts';

export interface SpliceInsertOptions {
  spliceEventId: number;
  /** true: leave the network feed (the break starts); false: return to it (the break ends). */
  outOfNetwork: boolean;
  /** When the splice happens, in 90 kHz ticks (taken modulo 2^33). */
  ptsTime: number;
  /** The break's length in 90 kHz ticks (with auto_return), or undefined for none. */
  breakDuration?: number;
  uniqueProgramId?: number;
  availNum?: number;
  availsExpected?: number;
  /** Adds an avail_descriptor (SCTE 35 10.3.1) with this provider_avail_id. */
  providerAvailId?: number;
}

const PTS_WRAP = 2 ** 33;

/** Writes fields of any width up to 33 bits, most significant bit first. */
class BitWriter {
  readonly bytes: number[] = [];
  #bit = 0;

  write(value: number, bits: number): void {
    for (let i = bits - 1; i >= 0; i--) {
      const bit = Math.floor(value / 2 ** i) % 2;
      if (this.#bit % 8 === 0) this.bytes.push(0);
      if (bit) this.bytes[this.bytes.length - 1]! |= 0x80 >> this.#bit % 8;
      this.#bit += 1;
    }
  }
}

function uint(value: number, bits: number, name: string): number {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** bits) throw new RangeError(`${name}: expected an integer in 0..${2 ** bits - 1}, received ${value}`);
  return value;
}

/**
 * A splice_info_section carrying one splice_insert() (ANSI/SCTE 35 2022, 9.6 and 9.7.3): program
 * splice at a given PTS, with an optional break_duration (auto_return) and an optional
 * avail_descriptor. No encryption (cw_index 0xFF as in the standard's samples), pts_adjustment 0,
 * tier 0xFFF; CRC-32/MPEG-2 at the end.
 */
export function spliceInsert(options: SpliceInsertOptions): Uint8Array {
  const command = new BitWriter();
  command.write(uint(options.spliceEventId, 32, 'spliceEventId'), 32);
  command.write(0, 1); // splice_event_cancel_indicator
  command.write(0x7f, 7); // reserved
  const hasDuration = options.breakDuration !== undefined;
  command.write(options.outOfNetwork ? 1 : 0, 1);
  command.write(1, 1); // program_splice_flag
  command.write(hasDuration ? 1 : 0, 1);
  command.write(0, 1); // splice_immediate_flag
  command.write(1, 1); // event_id_compliance_flag
  command.write(0x7, 3); // reserved
  // splice_time()
  command.write(1, 1); // time_specified_flag
  command.write(0x3f, 6);
  command.write(((Math.round(options.ptsTime) % PTS_WRAP) + PTS_WRAP) % PTS_WRAP, 33);
  if (hasDuration) {
    command.write(1, 1); // auto_return
    command.write(0x3f, 6);
    command.write(uint(Math.round(options.breakDuration!), 33, 'breakDuration'), 33);
  }
  command.write(uint(options.uniqueProgramId ?? 1, 16, 'uniqueProgramId'), 16);
  command.write(uint(options.availNum ?? 0, 8, 'availNum'), 8);
  command.write(uint(options.availsExpected ?? 0, 8, 'availsExpected'), 8);

  const body = new BitWriter();
  body.write(0, 8); // protocol_version
  body.write(0, 1); // encrypted_packet
  body.write(0, 6); // encryption_algorithm
  body.write(0, 33); // pts_adjustment
  body.write(0xff, 8); // cw_index (unused without encryption)
  body.write(0xfff, 12); // tier
  body.write(command.bytes.length, 12); // splice_command_length
  body.write(0x05, 8); // splice_command_type: splice_insert
  for (const byte of command.bytes) body.write(byte, 8);
  const descriptors = new BitWriter();
  if (options.providerAvailId !== undefined) {
    descriptors.write(0x00, 8); // splice_descriptor_tag: avail_descriptor
    descriptors.write(8, 8); // descriptor_length
    descriptors.write(0x43554549, 32); // identifier "CUEI"
    descriptors.write(uint(options.providerAvailId, 32, 'providerAvailId'), 32);
  }
  body.write(descriptors.bytes.length, 16); // descriptor_loop_length
  for (const byte of descriptors.bytes) body.write(byte, 8);

  const sectionLength = body.bytes.length + 4; // + CRC_32
  const section = new BitWriter();
  section.write(0xfc, 8); // table_id
  section.write(0, 1); // section_syntax_indicator
  section.write(0, 1); // private_indicator
  section.write(0x3, 2); // sap_type: not specified
  section.write(sectionLength, 12);
  for (const byte of body.bytes) section.write(byte, 8);
  const withoutCrc = Uint8Array.from(section.bytes);
  const crc = crc32Mpeg2(withoutCrc);
  const out = new Uint8Array(withoutCrc.length + 4);
  out.set(withoutCrc);
  new DataView(out.buffer).setUint32(withoutCrc.length, crc);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes).toString('hex').toUpperCase()}`;
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}
