import type { ChannelInput } from './channel-spec.ts';
import { LIVE_AUDIO_ID, type LiveLadder } from './live-ladder.ts';

export interface EncoderArgsOptions {
  /** The channel's input, or `slate` for the "signal lost" card shown while a network input is down. */
  input: ChannelInput | { type: 'slate' };
  /** Whether the file input has an audio stream (silence is generated otherwise). */
  fileHasAudio?: boolean;
  ladder: LiveLadder;
  segmentSeconds: number;
  partSeconds: number;
  /** A TrueType font for drawtext; without one the wall clock comes from testsrc2's own counter. */
  fontFile: string | undefined;
}

/** One output of the encoder: a single-track fragmented MP4 on file descriptor `fd`. */
export interface EncoderOutput {
  rendition: string;
  type: 'video' | 'audio';
  fd: number;
}

/** Escape a filter option value for both levels ffmpeg unescapes: the option list, then the filter graph. */
function escapeFilterValue(value: string): string {
  const option = value.replace(/[\\':]/g, (c) => `\\${c}`);
  return option.replace(/[\\',;[\]]/g, (c) => `\\${c}`);
}

/**
 * ffmpeg arguments for one run of a channel's encoder: the input (read at its native rate), one
 * filter graph that draws the clock and splits the picture into the ladder, one x264 encode per
 * rung with the same fixed GOP (segment length × frame rate, no scene-cut keyframes, so every
 * rendition's segments start on the same frame), one AAC encode, and every track as its own
 * fragmented MP4 on a pipe (fd 3, 4, …), cut into CMAF chunks of `partSeconds` that always start
 * a new chunk on a keyframe.
 */
export function encoderArgs(options: EncoderArgsOptions): { args: string[]; outputs: EncoderOutput[] } {
  const { ladder, segmentSeconds, partSeconds, fontFile } = options;
  const top = ladder.video[0]!;
  const fps = ladder.frameRate;
  const args = ['-hide_banner', '-nostats', '-loglevel', 'warning', '-nostdin'];
  let video = '0:v';
  let audio: string;
  const source = options.input;
  const clockText = (label: string) =>
    fontFile === undefined
      ? ''
      : `,drawtext=fontfile=${escapeFilterValue(fontFile)}:text=${escapeFilterValue(`${label} %{gmtime:%T} UTC`)}` +
        `:fontsize=${Math.round(top.height / 9)}:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=6:x=(w-tw)/2:y=h/8`;
  let overlay = '';
  switch (source.type) {
    case 'synthetic':
      args.push('-re', '-f', 'lavfi', '-i', `testsrc2=size=${top.width}x${top.height}:rate=${fps}`);
      args.push('-re', '-f', 'lavfi', '-i', 'sine=frequency=440:beep_factor=2:sample_rate=48000');
      audio = '1:a';
      overlay = clockText('LIVE');
      break;
    case 'slate':
      args.push('-re', '-f', 'lavfi', '-i', `smptebars=size=${top.width}x${top.height}:rate=${fps}`);
      args.push('-re', '-f', 'lavfi', '-i', 'anullsrc=channel_layout=stereo:sample_rate=48000');
      audio = '1:a';
      overlay = clockText('SIGNAL LOST');
      break;
    case 'file':
      args.push('-re', '-stream_loop', '-1', '-i', source.path);
      if (options.fileHasAudio === false) {
        args.push('-re', '-f', 'lavfi', '-i', 'anullsrc=channel_layout=stereo:sample_rate=48000');
        audio = '1:a';
      } else {
        audio = '0:a:0';
      }
      video = '0:v:0';
      break;
    case 'network': {
      const url = source.url.startsWith('udp://') && !source.url.includes('?') ? `${source.url}?fifo_size=1000000&overrun_nonfatal=1` : source.url;
      args.push('-fflags', '+genpts', '-i', url);
      video = '0:v:0';
      audio = '0:a:0';
      break;
    }
  }
  const splits = ladder.video.map((_, i) => `[s${i}]`).join('');
  const graph = [
    `[${video}]fps=${fps},scale=${top.width}:${top.height}:force_original_aspect_ratio=decrease,pad=${top.width}:${top.height}:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p${overlay},split=${ladder.video.length}${splits}`,
    ...ladder.video.map((rung, i) => `[s${i}]scale=${rung.width}:${rung.height}[v${i}]`),
    `[${audio}]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo[a]`,
  ].join(';');
  args.push('-filter_complex', graph);

  const gop = String(segmentSeconds * fps);
  const fragment = ['-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', '-frag_duration', String(Math.round(partSeconds * 1e6)), '-flush_packets', '1'];
  const outputs: EncoderOutput[] = [];
  ladder.video.forEach((rung, i) => {
    const fd = 3 + outputs.length;
    outputs.push({ rendition: rung.id, type: 'video', fd });
    args.push(
      '-map', `[v${i}]`,
      '-c:v', 'libx264', '-preset', ladder.preset, '-tune', 'zerolatency', '-threads', '1',
      '-g', gop, '-keyint_min', gop, '-sc_threshold', '0', '-force_key_frames', `expr:gte(t,n_forced*${segmentSeconds})`,
      '-b:v', String(rung.bitrate), '-maxrate', String(rung.bitrate), '-bufsize', String(rung.bitrate),
      ...fragment, `pipe:${fd}`,
    );
  });
  const fd = 3 + outputs.length;
  outputs.push({ rendition: LIVE_AUDIO_ID, type: 'audio', fd });
  args.push('-map', '[a]', '-c:a', 'aac', '-b:a', String(ladder.audioBitrate), '-ac', '2', ...fragment, `pipe:${fd}`);
  return { args, outputs };
}
