import type { LiveRenditionInfo } from './channel-store.ts';
import { mediaPlaylistFile } from './live-file-names.ts';

/** The channel's multivariant playlist: one audio group, one variant per video rendition. */
export function hlsLiveMaster(renditions: LiveRenditionInfo[]): string {
  const audio = renditions.find((r) => r.type === 'audio');
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  if (audio) {
    lines.push(`#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="Main",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="${mediaPlaylistFile(audio.id)}"`);
  }
  for (const video of renditions.filter((r) => r.type === 'video')) {
    const bandwidth = Math.round((video.bandwidth + (audio?.bandwidth ?? 0)) * 1.1);
    const codecs = [video.codecs, ...(audio ? [audio.codecs] : [])].join(',');
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${bandwidth},AVERAGE-BANDWIDTH=${video.bandwidth + (audio?.bandwidth ?? 0)},CODECS="${codecs}",RESOLUTION=${video.width}x${video.height},FRAME-RATE=${(video.frameRate ?? 25).toFixed(3)}${audio ? ',AUDIO="aac"' : ''}`,
      mediaPlaylistFile(video.id),
    );
  }
  return `${lines.join('\n')}\n`;
}
