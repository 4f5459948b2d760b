import type { ContentSteering } from '../content-steering.ts';
import { removeLine, type MultivariantPlaylist } from './multivariant-playlist.ts';

/**
 * Writes one EXT-X-CONTENT-STEERING tag (RFC 8216bis 4.4.6.6) in place of the first existing one, or right
 * after #EXTM3U; further ones are removed (the tag MUST NOT appear more than once).
 */
export function setHlsContentSteering(playlist: MultivariantPlaylist, steering: ContentSteering): void {
  const pathway = steering.defaultPathway === undefined ? '' : `,PATHWAY-ID="${steering.defaultPathway}"`;
  const tag = `#EXT-X-CONTENT-STEERING:SERVER-URI="${steering.serverUri}"${pathway}`;
  const existing = playlist.lines.filter((line) => line.name === 'EXT-X-CONTENT-STEERING');
  const first = existing[0];
  if (first === undefined) {
    const at = playlist.headerEnd;
    const lead = at > 0 && playlist.text.charCodeAt(at - 1) !== 10 ? playlist.newline : '';
    playlist.edits.push({ start: at, end: at, text: lead + tag + (lead === '' ? playlist.newline : '') });
    return;
  }
  removeLine(playlist, first);
  playlist.edits.push({ start: first.lineStart, end: first.lineStart, text: tag + playlist.newline });
  for (const line of existing.slice(1)) removeLine(playlist, line);
}
