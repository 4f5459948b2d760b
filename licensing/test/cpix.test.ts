import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateContentKeys, psshBox, W3C_COMMON_SYSTEM_ID, DASHIF_CLEARKEY_SYSTEM_ID, bytesToBase64 } from '../src/protection.ts';
import { CpixError, readCpix, selectContentKey, usageRuleForTier, writeCpix } from '../src/cpix/index.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const SPEC_SAMPLE = fixture('dashif-cpix-2.3-5.3.3-content-keys-with-usage-rules.xml');

describe('reading a CPIX document', () => {
  it('reads the spec-shaped sample: keys, tiers from usage rules, DRM signalling', () => {
    const doc = readCpix(SPEC_SAMPLE);
    expect(doc.contentId).toBe('urn:example:title:42');
    expect(doc.contentKeys.map((k) => [k.kid, k.tier, k.commonEncryptionScheme])).toEqual([
      ['5e6c1bde-0f1c-4d55-9b3a-3b0e2f2f7a01', 'AUDIO', 'cenc'],
      ['9a1e4dbc-7f4d-4b9e-a8b1-7f0c5e1c2b02', 'SD', 'cenc'],
      ['2b7a4c39-1f33-4c6e-9d0e-05d1b8a3e403', 'HD', 'cenc'],
      ['c0ffee00-1234-4abc-8def-0123456789ab', 'UHD', 'cenc'],
    ]);
    expect(Buffer.from(doc.contentKeys[3]!.key).toString('hex')).toBe('000102030405060708090a0b0c0d0e0f');
    expect(doc.drmSystems[0]!.systemId).toBe(DASHIF_CLEARKEY_SYSTEM_ID);
    expect(doc.drmSystems[0]!.pssh).toEqual(psshBox(W3C_COMMON_SYSTEM_ID, ['9a1e4dbc-7f4d-4b9e-a8b1-7f0c5e1c2b02']));
  });

  it('selects each rendition’s key by the usage rules’ pixel ranges', () => {
    const doc = readCpix(SPEC_SAMPLE);
    const tier = (track: Parameters<typeof selectContentKey>[1]) => selectContentKey(doc, track).tier;
    expect(tier({ type: 'video', width: 640, height: 360 })).toBe('SD');
    expect(tier({ type: 'video', width: 960, height: 540 })).toBe('SD');
    expect(tier({ type: 'video', width: 1280, height: 720 })).toBe('HD');
    expect(tier({ type: 'video', width: 1920, height: 1080 })).toBe('HD');
    expect(tier({ type: 'video', width: 3840, height: 2160 })).toBe('UHD');
    expect(tier({ type: 'audio', channels: 2 })).toBe('AUDIO');
  });

  it('round-trips what the key service writes', () => {
    const keys = generateContentKeys(['AUDIO', 'SD', 'HD']);
    const xml = writeCpix({
      contentId: 'demo & <friends>',
      contentKeys: keys.map((k) => ({ ...k, commonEncryptionScheme: 'cbcs' as const })),
      drmSystems: [{ kid: keys[1]!.kid, systemId: DASHIF_CLEARKEY_SYSTEM_ID, pssh: psshBox(W3C_COMMON_SYSTEM_ID, [keys[1]!.kid]), hlsSignalingData: '#EXT-X-KEY:METHOD=SAMPLE-AES' }],
      usageRules: keys.map((k) => usageRuleForTier(k.kid, k.tier)),
    });
    const doc = readCpix(xml);
    expect(doc.contentId).toBe('demo & <friends>');
    expect(doc.contentKeys.map(({ kid, tier, key, commonEncryptionScheme }) => ({ kid, tier, key: bytesToBase64(key), commonEncryptionScheme }))).toEqual(
      keys.map(({ kid, tier, key }) => ({ kid, tier, key: bytesToBase64(key), commonEncryptionScheme: 'cbcs' })),
    );
    expect(doc.drmSystems[0]!.hlsSignalingData).toBe('#EXT-X-KEY:METHOD=SAMPLE-AES');
  });

  const refusals: Array<[string, (xml: string) => string, RegExp]> = [
    ['a DOCTYPE (entity expansion)', (x) => x.replace('<CPIX', '<!DOCTYPE CPIX [<!ENTITY a "b">]><CPIX'), /DOCTYPE/],
    ['XML that is not well-formed', (x) => x.replace('</ContentKeyList>', ''), /not well-formed/],
    ['a root outside the CPIX namespace', (x) => x.replace('xmlns="urn:dashif:org:cpix"', 'xmlns="urn:example"'), /CPIX root element/],
    ['a KID that is not a UUID', (x) => x.replace('c0ffee00-1234-4abc-8def-0123456789ab" commonEncryptionScheme', 'c0ffee00" commonEncryptionScheme'), /ContentKey\[3\]@kid: expected a UUID/],
    ['a KID listed twice', (x) => x.replace('c0ffee00-1234-4abc-8def-0123456789ab" commonEncryptionScheme', '2b7a4c39-1f33-4c6e-9d0e-05d1b8a3e403" commonEncryptionScheme'), /appears twice/],
    ['a key of 15 bytes', (x) => x.replace('AAECAwQFBgcICQoLDA0ODw==', 'AAECAwQFBgcICQoLDA0O'), /expected a 16-byte key/],
    ['a key that is not base64', (x) => x.replace('AAECAwQFBgcICQoLDA0ODw==', 'not base64!'), /expected base64/],
    ['an unknown protection scheme', (x) => x.replace('commonEncryptionScheme="cenc"', 'commonEncryptionScheme="rot13"'), /commonEncryptionScheme/],
    ['an encrypted key (not implemented)', (x) => x.replace('<pskc:PlainValue>AAECAwQFBgcICQoLDA0ODw==</pskc:PlainValue>', '<pskc:EncryptedValue/>'), /EncryptedValue/],
    ['a DRM system for a key not in the document', (x) => x.replace('<DRMSystem kid="9a1e4dbc', '<DRMSystem kid="0a1e4dbc'), /is not a ContentKey/],
    ['a usage rule for a key not in the document', (x) => x.replace('<ContentKeyUsageRule kid="2b7a', '<ContentKeyUsageRule kid="3b7a'), /is not a ContentKey/],
    ['an inverted pixel range', (x) => x.replace('minPixels="589825" maxPixels="2073600"', 'minPixels="2073600" maxPixels="589825"'), /minPixels 2073600 is above maxPixels/],
    ['a negative pixel bound', (x) => x.replace('maxPixels="589824"', 'maxPixels="-1"'), /non-negative integer/],
    ['a usage rule without a filter', (x) => x.replace('<AudioFilter/>', ''), /expected a VideoFilter or AudioFilter/],
    ['an encrypted document (DeliveryDataList)', (x) => x.replace('<ContentKeyList>', '<DeliveryDataList/><ContentKeyList>'), /DeliveryDataList: not supported/],
    ['key rotation periods', (x) => x.replace('<ContentKeyList>', '<ContentKeyPeriodList/><ContentKeyList>'), /ContentKeyPeriodList: not supported/],
    ['an unknown element', (x) => x.replace('<ContentKeyList>', '<Surprise/><ContentKeyList>'), /unknown element Surprise/],
    ['a PSSH that is not a pssh box', (x) => x.replace(/<PSSH>[^<]+<\/PSSH>/, '<PSSH>AAAA</PSSH>'), /expected a pssh box/],
    ['version 1', (x) => x.replace('version="2.3"', 'version="1.0"'), /expected 2\.x/],
  ];
  for (const [what, mutate, message] of refusals) {
    it(`refuses ${what}`, () => {
      const xml = mutate(SPEC_SAMPLE);
      expect(xml).not.toBe(SPEC_SAMPLE);
      expect(() => readCpix(xml)).toThrow(CpixError);
      expect(() => readCpix(xml)).toThrow(message);
    });
  }

  it('refuses to pick a key when no rule or several rules match a track', () => {
    const doc = readCpix(SPEC_SAMPLE);
    expect(() => selectContentKey({ ...doc, usageRules: doc.usageRules.slice(0, 1) }, { type: 'video', width: 640, height: 360 })).toThrow(/none matches/);
    const overlapping = { ...doc, usageRules: [...doc.usageRules, { kid: doc.contentKeys[2]!.kid, videoFilters: [{}], audioFilters: [] }] };
    expect(() => selectContentKey(overlapping, { type: 'video', width: 640, height: 360 })).toThrow(/2 match/);
  });
});
