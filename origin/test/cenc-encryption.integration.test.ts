import { execFile } from 'node:child_process';
import { cp, mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyEncryptionKey, keyIdToBytes, type ContentKey } from '@cascade/licensing/protection';
import { resolveFfmpegPaths, type FfmpegPaths } from '../src/ffmpeg-path.ts';
import { issueTitleKeys } from '../src/keys/title-key-service.ts';
import { packageVod, type PackagedVod } from '../src/media/package-vod.ts';
import type { Ladder } from '../src/media/ladder.ts';
import { parseMpd } from '../src/media/parse-mpd.ts';
import { encryptPackagedMedia } from '../src/media/cenc/encrypt-packaged-media.ts';
import { makeMedia } from './support/make-media.ts';
import { testConfig } from './support/test-config.ts';

const run = promisify(execFile);
// Two tiers of picture (SD 360p, HD 720p) and audio: three keys.
const LADDER: Ladder = {
  video: [
    { id: 'video-360p', height: 360, bitrate: 400_000, maxrate: 440_000, bufsize: 800_000 },
    { id: 'video-720p', height: 720, bitrate: 900_000, maxrate: 990_000, bufsize: 1_800_000 },
  ],
  audio: { id: 'audio', bitrate: 64_000, channels: 2, sampleRate: 48_000 },
  x264Preset: 'ultrafast',
};
const KEK = KeyEncryptionKey.fromBase64(Buffer.alloc(32, 3).toString('base64'));

let tools: FfmpegPaths;
let dir: string;
let clear: PackagedVod;
let encrypted: PackagedVod;
let keys: ContentKey[];

async function pack(outputDir: string, protection?: { scheme: 'cenc'; cpix: string }): Promise<PackagedVod> {
  await mkdir(outputDir);
  return packageVod({
    ffmpegPath: tools.ffmpeg.path, ffprobePath: tools.ffprobe.path, inputFile: join(dir, 'source.mp4'), outputDir,
    ladder: LADDER, segmentSeconds: 2, iFramePlaylists: true, ...(protection && { protection }),
  });
}

/** The elementary stream of a rendition (init + segments), decrypted by ffmpeg's own CENC reader when given a key. */
async function elementaryStream(outputDir: string, rendition: string, type: 'video' | 'audio', key?: Uint8Array): Promise<Buffer> {
  const mpd = parseMpd(await readFile(join(outputDir, 'manifest.mpd'), 'utf8'));
  const playlists = type === 'video' ? mpd.playlists! : Object.values(mpd.mediaGroups!.AUDIO!).flatMap((g) => Object.values(g).flatMap((r) => r.playlists!));
  const id = rendition === 'audio' ? playlists[0]! : playlists.find((p) => p.attributes.RESOLUTION?.height === Number(rendition.replace(/\D/g, '')))!;
  const files = [id.segments[0]!.map!.uri, ...id.segments.map((s) => s.uri)];
  const joined = join(outputDir, `${rendition}.joined.mp4`);
  await writeFile(joined, Buffer.concat(await Promise.all(files.map((f) => readFile(join(outputDir, f))))));
  const args = ['-v', 'error', ...(key ? ['-decryption_key', Buffer.from(key).toString('hex')] : []), '-i', joined, '-c', 'copy', '-f', type === 'video' ? 'h264' : 'adts', '-'];
  const { stdout } = await run(tools.ffmpeg.path, args, { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

beforeAll(async () => {
  tools = resolveFfmpegPaths(testConfig({}));
  dir = await mkdtemp(join(tmpdir(), 'origin-cenc-'));
  await makeMedia(tools.ffmpeg.path, join(dir, 'source.mp4'), { seconds: 4, width: 1280, height: 720 });
  const issued = await issueTitleKeys({ titleId: 'cenc-test', tiers: ['AUDIO', 'SD', 'HD'], scheme: 'cenc', kek: KEK });
  keys = await Promise.all(issued.wrapped.map((w) => KEK.unwrap(w)));
  clear = await pack(join(dir, 'clear'));
  encrypted = await pack(join(dir, 'cenc'), { scheme: 'cenc', cpix: issued.cpix });
  // x264 is not bit-exact between runs, so the decryption check encrypts a copy of the clear packaging.
  await cp(join(dir, 'clear'), join(dir, 'copy'), { recursive: true });
  await encryptPackagedMedia({ outputDir: join(dir, 'copy'), mpd: parseMpd(await readFile(join(dir, 'copy', 'manifest.mpd'), 'utf8')), cpix: issued.cpix, scheme: 'cenc', audioChannels: 2 });
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const keyOf = (tier: string) => keys.find((k) => k.tier === tier)!;

describe('Common Encryption (cenc) of packaged CMAF', () => {
  it('encrypts each rendition with its tier’s key (SD 360p, HD 720p, audio its own)', () => {
    expect(clear.protection).toBeUndefined();
    expect(encrypted.protection?.scheme).toBe('cenc');
    const byRendition = Object.fromEntries(encrypted.protection!.renditions.map((r) => [r.renditionId, [r.tier, r.kid]]));
    expect(byRendition).toEqual({
      'video-360p': ['SD', keyOf('SD').kid],
      'video-720p': ['HD', keyOf('HD').kid],
      audio: ['AUDIO', keyOf('AUDIO').kid],
    });
  });

  for (const [rendition, type, tier] of [['360p', 'video', 'SD'], ['720p', 'video', 'HD'], ['audio', 'audio', 'AUDIO']] as const) {
    it(`${rendition}: ffmpeg's own CENC reader with the ${tier} key gets back exactly the clear stream`, async () => {
      const expected = await elementaryStream(join(dir, 'clear'), rendition, type);
      expect(expected.byteLength).toBeGreaterThan(1000);
      const decrypted = await elementaryStream(join(dir, 'copy'), rendition, type, keyOf(tier).key);
      expect(decrypted.equals(expected)).toBe(true);
      // Encrypted at all, and with this tier's key only: no key or another tier's key gives other bytes.
      const noKey = await elementaryStream(join(dir, 'copy'), rendition, type).catch(() => Buffer.alloc(0));
      expect(noKey.equals(expected)).toBe(false);
      const wrongKey = await elementaryStream(join(dir, 'copy'), rendition, type, keyOf(tier === 'SD' ? 'HD' : 'SD').key).catch(() => Buffer.alloc(0));
      expect(wrongKey.equals(expected)).toBe(false);
    });
  }

  it('signals the protection in the init segments (encv/enca, sinf, schm cenc, tenc with the KID, W3C pssh)', async () => {
    const init = await readFile(join(dir, 'cenc', 'init-0.mp4'));
    const text = init.toString('latin1');
    for (const box of ['encv', 'sinf', 'frma', 'schm', 'tenc', 'pssh']) expect(text).toContain(box);
    expect(text).toContain('frmaavc1'); // the entry is renamed encv; frma keeps the original format
    expect(text).toContain('cenc');
    expect(init.includes(Buffer.from(keyIdToBytes(keyOf('SD').kid)))).toBe(true);
    const segment = (await readFile(join(dir, 'cenc', 'seg-0-00001.m4s'))).toString('latin1');
    for (const box of ['senc', 'saiz', 'saio']) expect(segment).toContain(box);
  });

  it('signals it in the MPD: mp4protection with default_KID, and DASH-IF ClearKey per Representation', async () => {
    const mpd = await readFile(join(dir, 'cenc', 'manifest.mpd'), 'utf8');
    expect(mpd).toContain('xmlns:cenc="urn:mpeg:cenc:2013"');
    expect(mpd).toContain(`value="cenc" cenc:default_KID="${keyOf('SD').kid}"`);
    expect(mpd).toContain(`value="cenc" cenc:default_KID="${keyOf('HD').kid}"`);
    expect(mpd).toContain(`value="cenc" cenc:default_KID="${keyOf('AUDIO').kid}"`);
    expect(mpd.match(/urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e/g)).toHaveLength(3);
    // Still a valid MPD for a DASH parser.
    expect(parseMpd(mpd).playlists).toHaveLength(2);
  });

  it('signals it in HLS: SAMPLE-AES-CTR with the org.w3.clearkey key format before EXT-X-MAP, I-frame playlists too', async () => {
    const sd = await readFile(join(dir, 'cenc', 'video-360p.m3u8'), 'utf8');
    const hex = Buffer.from(keyIdToBytes(keyOf('SD').kid)).toString('hex');
    expect(sd).toMatch(new RegExp(`#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,URI="data:text/plain;base64,[^"]+",KEYID=0x${hex},KEYFORMAT="org.w3.clearkey",KEYFORMATVERSIONS="1"\\n#EXT-X-MAP`));
    const iframes = await readFile(join(dir, 'cenc', encrypted.renditions.find((r) => r.id === 'video-360p')!.iFrames!.playlist), 'utf8');
    expect(iframes).toContain('#EXT-X-KEY:METHOD=SAMPLE-AES-CTR');
    const audio = await readFile(join(dir, 'cenc', 'audio.m3u8'), 'utf8');
    expect(audio).toContain(Buffer.from(keyIdToBytes(keyOf('AUDIO').kid)).toString('hex'));
  });
});
