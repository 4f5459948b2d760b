/** One H.264 rendition. Width follows the source aspect ratio (scale=-2:height). */
export interface VideoRung {
  /** Rendition id, also the HLS media playlist name (`<id>.m3u8`); [A-Za-z0-9._-]. */
  id: string;
  height: number;
  /** Target bit rate in bits/s; maxrate and bufsize cap the peaks (capped VBR). */
  bitrate: number;
  maxrate: number;
  bufsize: number;
}

export interface AudioRung {
  id: string;
  bitrate: number;
  channels: number;
  sampleRate: number;
}

export interface Ladder {
  video: VideoRung[];
  /** One AAC-LC rendition shared by every video rendition; undefined for silent sources. */
  audio: AudioRung | undefined;
  /** x264 preset: speed against compression. */
  x264Preset: string;
}

/** Three 16:9 renditions in the spirit of Apple's HLS authoring ladder, sized to encode quickly on two cores. */
export const DEFAULT_LADDER: Ladder = {
  video: [
    { id: 'video-360p', height: 360, bitrate: 800_000, maxrate: 880_000, bufsize: 1_600_000 },
    { id: 'video-540p', height: 540, bitrate: 2_000_000, maxrate: 2_200_000, bufsize: 4_000_000 },
    { id: 'video-720p', height: 720, bitrate: 3_000_000, maxrate: 3_300_000, bufsize: 6_000_000 },
  ],
  audio: { id: 'audio-aac-128k', bitrate: 128_000, channels: 2, sampleRate: 48_000 },
  x264Preset: 'veryfast',
};
