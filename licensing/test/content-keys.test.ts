import { describe, expect, it } from 'vitest';
import {
  KeyEncryptionKey, LicenseRequestError, bytesToBase64, clearKeyResponse, generateContentKeys, isKeyIdUuid,
  parseClearKeyRequest, tierAllowed, tierForRendition, uuidToClearKeyKid,
} from '../src/protection.ts';

const KEK_RFC3394 = Buffer.from('000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F', 'hex').toString('base64');
const encode = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

describe('key tiers', () => {
  it('puts renditions into tiers by picture height, audio apart', () => {
    expect([360, 540, 576, 720, 1080, 1440, 2160].map((h) => tierForRendition('video', h))).toEqual(['SD', 'SD', 'SD', 'HD', 'HD', 'UHD', 'UHD']);
    expect(tierForRendition('audio', undefined)).toBe('AUDIO');
    expect(() => tierForRendition('video', undefined)).toThrow(/height/);
  });

  it('lets a viewer hold the keys of the tiers their picture cap reaches', () => {
    expect(['AUDIO', 'SD', 'HD', 'UHD'].map((t) => tierAllowed(t as 'SD', 576))).toEqual([true, true, false, false]);
    expect(['AUDIO', 'SD', 'HD', 'UHD'].map((t) => tierAllowed(t as 'SD', 720))).toEqual([true, true, true, false]);
    expect(['AUDIO', 'SD', 'HD', 'UHD'].map((t) => tierAllowed(t as 'SD', 4320))).toEqual([true, true, true, true]);
  });
});

describe('the key-encryption key', () => {
  it('wraps as RFC 3394 §4.6 says (256-bit KEK, 128-bit key)', async () => {
    const kek = KeyEncryptionKey.fromBase64(KEK_RFC3394);
    const key = Uint8Array.from(Buffer.from('00112233445566778899AABBCCDDEEFF', 'hex'));
    const wrapped = await kek.wrap({ kid: '9a1e4dbc-7f4d-4b9e-a8b1-7f0c5e1c2b02', tier: 'SD', key });
    expect(Buffer.from(wrapped.wrappedKey, 'base64').toString('hex').toUpperCase()).toBe('64E8C3F9CE0F5BA263E9777905818A2A93C8191E7D6E8AE7');
    expect(bytesToBase64((await kek.unwrap(wrapped)).key)).toBe(bytesToBase64(key));
  });

  it('refuses a key wrapped under another KEK, or tampered with', async () => {
    const [key] = generateContentKeys(['HD']);
    const wrapped = await KeyEncryptionKey.fromBase64(KEK_RFC3394).wrap(key!);
    const other = KeyEncryptionKey.fromBase64(Buffer.alloc(32, 7).toString('base64'));
    await expect(other.unwrap(wrapped)).rejects.toThrow(/does not unwrap/);
    const bytes = Buffer.from(wrapped.wrappedKey, 'base64');
    bytes[5]! ^= 1;
    await expect(KeyEncryptionKey.fromBase64(KEK_RFC3394).unwrap({ ...wrapped, wrappedKey: bytes.toString('base64') })).rejects.toThrow(/does not unwrap/);
  });

  it('names the variable when the secret is not a 32-byte key, without echoing it', () => {
    expect(() => KeyEncryptionKey.fromBase64('c2hvcnQ=')).toThrow('CONTENT_KEK: expected base64 of 32 random bytes (AES-256), received 5 bytes');
    expect(() => KeyEncryptionKey.fromBase64('%%%secret%%%')).toThrow(/^CONTENT_KEK: expected base64.*not base64$/);
  });

  it('generates a fresh UUID-named key per tier', () => {
    const keys = generateContentKeys(['AUDIO', 'SD', 'HD', 'SD']);
    expect(keys.map((k) => k.tier)).toEqual(['AUDIO', 'SD', 'HD']);
    expect(keys.every((k) => isKeyIdUuid(k.kid) && k.key.length === 16)).toBe(true);
    expect(new Set(keys.map((k) => bytesToBase64(k.key))).size).toBe(3);
  });
});

describe('the W3C EME ClearKey protocol', () => {
  const kid = '9a1e4dbc-7f4d-4b9e-a8b1-7f0c5e1c2b02';

  it('reads the request a CDM sends (EME §9.1.3)', () => {
    expect(parseClearKeyRequest(encode({ kids: [uuidToClearKeyKid(kid), uuidToClearKeyKid(kid)], type: 'temporary' }))).toEqual({ kids: [kid], type: 'temporary' });
  });

  it('answers a JWK set (EME §9.1.4)', () => {
    const key = Uint8Array.from(Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'));
    expect(clearKeyResponse([{ kid, tier: 'SD', key }])).toEqual({ keys: [{ kty: 'oct', kid: 'mh5NvH9NS56osX8MXhwrAg', k: 'AAECAwQFBgcICQoLDA0ODw' }], type: 'temporary' });
  });

  const bad: Array<[string, Uint8Array, RegExp]> = [
    ['an empty body', new Uint8Array(0), /received nothing/],
    ['text that is not JSON', encode('kids please'), /expected JSON/],
    ['a JSON array', encode([]), /JSON object/],
    ['no kids', encode({ type: 'temporary' }), /kids: expected a non-empty list/],
    ['an empty kid list', encode({ kids: [], type: 'temporary' }), /non-empty/],
    ['a kid of 15 bytes', encode({ kids: ['AAAAAAAAAAAAAAAAAAAA'], type: 'temporary' }), /kids\[0\]: expected a 16-byte key id/],
    ['a padded base64 kid', encode({ kids: ['mh5NvH9NS56osX8MXhwrAg=='], type: 'temporary' }), /kids\[0\]/],
    ['a persistent licence', encode({ kids: ['mh5NvH9NS56osX8MXhwrAg'], type: 'persistent-license' }), /type: expected "temporary"/],
    ['an unknown field', encode({ kids: ['mh5NvH9NS56osX8MXhwrAg'], type: 'temporary', debug: true }), /debug: unknown field/],
    ['17 kids', encode({ kids: Array(17).fill('mh5NvH9NS56osX8MXhwrAg'), type: 'temporary' }), /at most 16/],
    ['a body over 4 KiB', encode(' '.repeat(5000)), /at most 4096 bytes/],
    ['bytes that are not UTF-8', Uint8Array.of(0x7b, 0xff, 0x7d), /expected JSON/],
  ];
  for (const [what, body, message] of bad) {
    it(`refuses ${what}`, () => {
      expect(() => parseClearKeyRequest(body)).toThrow(LicenseRequestError);
      expect(() => parseClearKeyRequest(body)).toThrow(message);
    });
  }
});
