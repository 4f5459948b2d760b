import { describe, expect, it } from 'vitest';
import { scanXml, type XmlStartTag } from '../src/dash/xml-scanner.ts';
import { dashFixtures, fixture as readFixture } from './support/corpus.ts';

const MPD_FIXTURES = dashFixtures;

describe('scanXml', () => {
  it.each(MPD_FIXTURES)('yields spans that tile %s exactly, so unedited bytes can be copied through', (fixture) => {
    const source = readFixture(fixture);
    let cursor = 0;
    for (const token of scanXml(source)) {
      expect(token.start).toBe(cursor);
      expect(token.end).toBeGreaterThan(token.start);
      cursor = token.end;
    }
    expect(cursor).toBe(source.length);
  });

  it("reads attributes in either quote style, with '>' and the other quote inside a value", () => {
    const source = `<S a="x > 'y'" b='say "hi"'\n c = "3"/>`;
    const [tag] = [...scanXml(source)] as XmlStartTag[];
    expect(tag?.selfClosing).toBe(true);
    expect(tag?.end).toBe(source.length);
    expect(tag?.attributes.map((a) => [a.name, source.slice(a.valueStart, a.valueEnd), a.quote])).toEqual([
      ['a', "x > 'y'", '"'],
      ['b', 'say "hi"', "'"],
      ['c', '3', '"'],
    ]);
  });

  it('yields comments, CDATA, processing instructions and a DOCTYPE with an internal subset as single tokens', () => {
    const source = '<?xml version="1.0"?><!DOCTYPE MPD [<!ENTITY a "<b>">]><!-- <x> --><a><![CDATA[<y>]]></a>';
    expect([...scanXml(source)].map((token) => [token.kind, source.slice(token.start, token.end)])).toEqual([
      ['processing-instruction', '<?xml version="1.0"?>'],
      ['doctype', '<!DOCTYPE MPD [<!ENTITY a "<b>">]>'],
      ['comment', '<!-- <x> -->'],
      ['start', '<a>'],
      ['cdata', '<![CDATA[<y>]]>'],
      ['end', '</a>'],
    ]);
  });
});
