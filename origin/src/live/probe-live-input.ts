import { execFile } from 'node:child_process';

/**
 * Whether media arrives from a live input (a network URL, or a file to loop), and whether it has
 * audio: ffmpeg reads half a second of it into the null muxer. ffmpeg rather than ffprobe because
 * the npm-bundled ffprobe crashes (SIGSEGV) on MPEG-TS, the usual live contribution format.
 * Rejects when nothing arrives within `timeoutMs`.
 */
export function probeLiveInput(ffmpegPath: string, source: string, timeoutMs: number): Promise<{ hasVideo: boolean; hasAudio: boolean }> {
  return new Promise((resolve, reject) => {
    execFile(
      ffmpegPath,
      ['-hide_banner', '-nostdin', '-analyzeduration', '1000000', '-probesize', '500000', '-i', source, '-t', '0.5', '-f', 'null', '-'],
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024 },
      (error, _stdout, stderr) => {
        const streams = stderr.split('\n').filter((line) => /^\s*Stream #0:\d+/.test(line));
        const hasVideo = streams.some((line) => / Video: /.test(line));
        const hasAudio = streams.some((line) => / Audio: /.test(line));
        if (error || !hasVideo) {
          reject(new Error(`no media from the input: ${stderr.trim().split('\n').slice(-2).join(' | ') || (error?.message ?? 'no video stream')}`.slice(0, 300)));
          return;
        }
        resolve({ hasVideo, hasAudio });
      },
    );
  });
}
