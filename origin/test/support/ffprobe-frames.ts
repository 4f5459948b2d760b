import { execFile } from 'node:child_process';

export interface ProbedFrame {
  keyFrame: boolean;
  pictType: string;
  time: number;
}

/** Video frames of a file (or only the first `limit`), via ffprobe -show_frames. */
export function probeVideoFrames(ffprobePath: string, file: string, limit?: number): Promise<ProbedFrame[]> {
  const args = ['-v', 'error', '-select_streams', 'v:0', '-show_frames', '-show_entries', 'frame=key_frame,pict_type,best_effort_timestamp_time', '-of', 'json'];
  if (limit !== undefined) args.push('-read_intervals', `%+#${limit}`);
  args.push(file);
  return new Promise((resolve, reject) => {
    execFile(ffprobePath, args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`ffprobe ${file}: ${stderr || error.message}`));
        return;
      }
      const frames = (JSON.parse(stdout) as { frames?: Array<{ key_frame?: number; pict_type?: string; best_effort_timestamp_time?: string }> }).frames ?? [];
      resolve(frames.map((f) => ({ keyFrame: f.key_frame === 1, pictType: f.pict_type ?? '?', time: Number(f.best_effort_timestamp_time) })));
    });
  });
}
