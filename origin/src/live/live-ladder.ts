/** One video rendition of a live channel's real-time ladder. */
export interface LiveVideoRung {
  id: string;
  width: number;
  height: number;
  bitrate: number;
}

export interface LiveLadder {
  name: LiveLadderName;
  frameRate: number;
  /** x264 preset: real time on two shared cores leaves no room for more than ultrafast/veryfast. */
  preset: 'ultrafast' | 'superfast' | 'veryfast';
  video: LiveVideoRung[];
  audioBitrate: number;
}

export const LIVE_LADDER_NAMES = ['standard', 'light'] as const;
export type LiveLadderName = (typeof LIVE_LADDER_NAMES)[number];

/**
 * Two fixed ladders. `standard` (360p/270p/180p at 25 fps) runs in real time on one of this
 * machine's two cores; `light` (180p/144p/108p at 15 fps) is for tests and CI, where other work
 * shares the cores. Both keep three renditions so players have something to switch between.
 */
export const LIVE_LADDERS: Record<LiveLadderName, LiveLadder> = {
  standard: {
    name: 'standard',
    frameRate: 25,
    preset: 'ultrafast',
    video: [
      { id: 'v360', width: 640, height: 360, bitrate: 900_000 },
      { id: 'v270', width: 480, height: 270, bitrate: 550_000 },
      { id: 'v180', width: 320, height: 180, bitrate: 250_000 },
    ],
    audioBitrate: 96_000,
  },
  light: {
    name: 'light',
    frameRate: 15,
    preset: 'ultrafast',
    video: [
      { id: 'v180', width: 320, height: 180, bitrate: 300_000 },
      { id: 'v144', width: 256, height: 144, bitrate: 180_000 },
      { id: 'v108', width: 192, height: 108, bitrate: 100_000 },
    ],
    audioBitrate: 64_000,
  },
};

/** The audio rendition's id; the `audio` prefix is how the edge tells audio playlists apart. */
export const LIVE_AUDIO_ID = 'audio-aac';
