import { describe, expect, it } from 'vitest';
import { parseAttributeList } from '../src/hls/attribute-list.ts';

function attributes(text: string): [string, string, boolean][] | undefined {
  return parseAttributeList(text, 0, text.length)?.map((a) => [a.name, text.slice(a.valueStart, a.valueEnd), a.quoted]);
}

describe('parseAttributeList', () => {
  it('reads quoted-strings with commas inside and unquoted values (RFC 8216 4.2)', () => {
    expect(attributes('BANDWIDTH=1280000,CODECS="avc1.4d401e,mp4a.40.2",RESOLUTION=640x360,URI="a.m3u8"')).toEqual([
      ['BANDWIDTH', '1280000', false],
      ['CODECS', 'avc1.4d401e,mp4a.40.2', true],
      ['RESOLUTION', '640x360', false],
      ['URI', 'a.m3u8', true],
    ]);
  });

  it('tolerates blanks around separators, as some packagers write them', () => {
    expect(attributes('METHOD=AES-128, URI = "k.bin" ,IV=0x1')).toEqual([
      ['METHOD', 'AES-128', false],
      ['URI', 'k.bin', true],
      ['IV', '0x1', false],
    ]);
  });

  it.each([
    ['an EXTINF duration and title', '4.000,URI="title"'],
    ['a date', '2024-05-01T12:00:00.000Z'],
    ['an unterminated quoted-string', 'URI="a.m3u8'],
    ['text after a quoted-string', 'URI="a"b'],
    ['a name without a value', 'URI'],
  ])('refuses %s, so nothing in it is rewritten', (_, text) => {
    expect(attributes(text)).toBeUndefined();
  });
});
