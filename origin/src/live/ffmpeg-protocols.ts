import { execFile } from 'node:child_process';

/** The input protocols this ffmpeg build can read (`ffmpeg -protocols`), e.g. udp, rtmp; srt only when built with libsrt. */
export function ffmpegInputProtocols(ffmpegPath: string): Promise<Set<string>> {
  return new Promise((resolve) => {
    execFile(ffmpegPath, ['-hide_banner', '-protocols'], { timeout: 10_000 }, (error, stdout) => {
      if (error) return resolve(new Set());
      const input = stdout.split(/Output:/)[0] ?? '';
      resolve(new Set(input.split(/\s+/).filter((word) => /^[a-z0-9_]+$/.test(word))));
    });
  });
}
