import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { W3C_COMMON_SYSTEM_ID, psshBox, tierForRendition, type KeyTier } from '@cascade/licensing/protection';
import { readCpix, selectContentKey } from '@cascade/licensing/cpix';
import type { ParsedMpd, ParsedMpdPlaylist } from '../parse-mpd.ts';
import { encryptMediaSegment } from './encrypt-media-segment.ts';
import { protectInitSegment } from './protect-init-segment.ts';
import type { MediaEncryption } from './protection-signalling.ts';
import { encryptWholeSegment } from '../aes128/encrypt-whole-segment.ts';

export interface EncryptedRepresentation {
  representationId: string;
  kid: string;
  tier: KeyTier;
  pssh: Uint8Array;
  /** AES-128 only: each encrypted file's (init and media segments) IV, for the playlist's key tags. */
  ivs?: Map<string, Uint8Array>;
}

function tracks(mpd: ParsedMpd): Array<{ playlist: ParsedMpdPlaylist; type: 'video' | 'audio' }> {
  const out: Array<{ playlist: ParsedMpdPlaylist; type: 'video' | 'audio' }> = (mpd.playlists ?? []).map((playlist) => ({ playlist, type: 'video' }));
  for (const group of Object.values(mpd.mediaGroups?.AUDIO ?? {})) {
    for (const rendition of Object.values(group)) for (const playlist of rendition.playlists ?? []) out.push({ playlist, type: 'audio' as const });
  }
  return out;
}

/**
 * The packager's encryption step: read the key service's CPIX document, pick each Representation's
 * key by the document's usage rules (CPIX §5.3.3), and encrypt its init and media segments in place
 * with Common Encryption, or (AES-128) each file whole with AES-128-CBC. Clear keys live only in this
 * call's memory.
 */
export async function encryptPackagedMedia(options: { outputDir: string; mpd: ParsedMpd; cpix: string; scheme: MediaEncryption; audioChannels?: number }): Promise<EncryptedRepresentation[]> {
  const doc = readCpix(options.cpix);
  const result: EncryptedRepresentation[] = [];
  // One constant IV per key for cbcs (it is public: it is written in tenc).
  const constantIvs = new Map<string, Uint8Array>();
  for (const { playlist, type } of tracks(options.mpd)) {
    const representationId = playlist.attributes.NAME ?? '';
    const resolution = playlist.attributes.RESOLUTION;
    const key = selectContentKey(doc, type === 'video'
      ? { type, ...(resolution && { width: resolution.width, height: resolution.height }) }
      : { type, ...(options.audioChannels !== undefined && { channels: options.audioChannels }) });
    const tier = tierForRendition(type, resolution?.height);
    if (key.tier !== tier) throw new Error(`Representation ${representationId}: the CPIX usage rules give it the ${key.tier} key, expected the ${tier} key`);
    const pssh = psshBox(W3C_COMMON_SYSTEM_ID, [key.kid]);
    const initName = playlist.segments[0]?.map?.uri;
    if (initName === undefined) throw new Error(`Representation ${representationId} has no initialization segment`);
    if (options.scheme === 'aes-128') {
      const ivs = new Map<string, Uint8Array>();
      for (const name of [initName, ...playlist.segments.map((s) => s.uri)]) {
        const file = join(options.outputDir, name);
        const encrypted = encryptWholeSegment(await readFile(file), key.key);
        await writeFile(file, encrypted.bytes);
        ivs.set(name, encrypted.iv);
      }
      result.push({ representationId, kid: key.kid, tier, pssh, ivs });
      continue;
    }
    let constantIv = constantIvs.get(key.kid);
    if (options.scheme === 'cbcs' && constantIv === undefined) {
      constantIv = randomBytes(16);
      constantIvs.set(key.kid, constantIv);
    }
    const protection = { scheme: options.scheme, kid: key.kid, key: key.key, psshBoxes: [pssh], ...(constantIv && { constantIv }) };
    const init = protectInitSegment(await readFile(join(options.outputDir, initName)), protection);
    await writeFile(join(options.outputDir, initName), init.bytes);
    for (const segment of playlist.segments) {
      const file = join(options.outputDir, segment.uri);
      await writeFile(file, encryptMediaSegment(await readFile(file), init.track, protection));
    }
    result.push({ representationId, kid: key.kid, tier, pssh });
  }
  return result;
}
