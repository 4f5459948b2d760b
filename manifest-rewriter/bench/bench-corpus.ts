/**
 * The fixed benchmark corpus, generated so it is the same on every run and commits no large files. Shapes
 * follow what packagers emit: CMAF segments with EXT-X-MAP, program date-times on live, an Apple-style
 * ladder with audio and subtitle groups, and a SegmentTimeline MPD with non-uniform durations (29.97 fps
 * video, 48 kHz AAC), which is what keeps real timelines from collapsing into one S@r.
 */

export function livePlaylist(segments: number): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:4', '#EXT-X-MEDIA-SEQUENCE:183022', '#EXT-X-MAP:URI="init.mp4"'];
  for (let i = 0; i < segments; i++) {
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:2026-05-26T18:${String(10 + Math.floor(i / 15)).padStart(2, '0')}:${String((i * 4) % 60).padStart(2, '0')}.000Z`);
    lines.push('#EXTINF:4.000,', `seg-${183022 + i}.m4s`);
  }
  return `${lines.join('\n')}\n`;
}

export function vodPlaylist(segments: number): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:4', '#EXT-X-PLAYLIST-TYPE:VOD', '#EXT-X-INDEPENDENT-SEGMENTS', '#EXT-X-MAP:URI="init.mp4"'];
  for (let i = 0; i < segments; i++) lines.push(i % 2 === 0 ? '#EXTINF:4.004,' : '#EXTINF:3.996,', `seg-${String(i).padStart(5, '0')}.m4s`);
  lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}

export function multivariantPlaylist(): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const [lang, name] of [['en', 'English'], ['hi', 'Hindi'], ['ta', 'Tamil']]) {
    lines.push(`#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",LANGUAGE="${lang}",NAME="${name}",DEFAULT=${lang === 'en' ? 'YES' : 'NO'},AUTOSELECT=YES,CHANNELS="2",URI="audio/aac/${lang}/index.m3u8"`);
    lines.push(`#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="ec3",LANGUAGE="${lang}",NAME="${name}",DEFAULT=${lang === 'en' ? 'YES' : 'NO'},AUTOSELECT=YES,CHANNELS="6",URI="audio/ec3/${lang}/index.m3u8"`);
    lines.push(`#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="${lang}",NAME="${name}",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="subs/${lang}/index.m3u8"`);
  }
  const ladder = [[416, 234, 300], [640, 360, 800], [768, 432, 1100], [960, 540, 1800], [1280, 720, 3000], [1920, 1080, 6000]] as const;
  for (const audio of ['aac', 'ec3']) {
    for (const [width, height, kbps] of ladder) {
      const codecs = audio === 'aac' ? 'avc1.640028,mp4a.40.2' : 'avc1.640028,ec-3';
      lines.push(`#EXT-X-STREAM-INF:BANDWIDTH=${kbps * 1000 + (audio === 'aac' ? 128000 : 384000)},AVERAGE-BANDWIDTH=${kbps * 900},CODECS="${codecs}",RESOLUTION=${width}x${height},FRAME-RATE=29.970,AUDIO="${audio}",SUBTITLES="subs",CLOSED-CAPTIONS=NONE`);
      lines.push(`video/${height}p/index.m3u8`);
    }
  }
  for (const [width, height, kbps] of ladder) {
    lines.push(`#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=${kbps * 40},CODECS="avc1.640028",RESOLUTION=${width}x${height},URI="video/${height}p/iframes.m3u8"`);
  }
  return `${lines.join('\n')}\n`;
}

/** A two-hour static MPD: video and audio SegmentTimelines with one S per 2-second segment. */
export function segmentTimelineMpd(seconds: number): string {
  const timeline = (timescale: number, durations: readonly number[]): string => {
    const count = Math.ceil(seconds / 2);
    const entries: string[] = [];
    let t = 0;
    for (let i = 0; i < count; i++) {
      const d = durations[i % durations.length]!;
      entries.push(i === 0 ? `          <S t="0" d="${d}"/>` : `          <S d="${d}"/>`);
      t += d;
    }
    return `        <SegmentTimeline>\n${entries.join('\n')}\n        </SegmentTimeline>`;
  };
  const video = [[640, 360, 800000], [960, 540, 1800000], [1280, 720, 3000000], [1920, 1080, 6000000]]
    .map(([w, h, b]) => `      <Representation id="v${h}" bandwidth="${b}" width="${w}" height="${h}"/>`)
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT${seconds}S" minBufferTime="PT4S" profiles="urn:mpeg:dash:profile:isoff-live:2011">
  <Period id="0" start="PT0S">
    <AdaptationSet contentType="video" mimeType="video/mp4" codecs="avc1.640028" segmentAlignment="true" startWithSAP="1">
      <SegmentTemplate timescale="30000" initialization="video/$RepresentationID$/init.mp4" media="video/$RepresentationID$/$Time$.m4s">
${timeline(30000, [60060, 59940])}
      </SegmentTemplate>
${video}
    </AdaptationSet>
    <AdaptationSet contentType="audio" mimeType="audio/mp4" codecs="mp4a.40.2" lang="en">
      <SegmentTemplate timescale="48000" initialization="audio/$RepresentationID$/init.mp4" media="audio/$RepresentationID$/$Time$.m4s">
${timeline(48000, [96256, 95232, 96256])}
      </SegmentTemplate>
      <Representation id="a-en" bandwidth="128000" audioSamplingRate="48000"/>
    </AdaptationSet>
  </Period>
</MPD>
`;
}
