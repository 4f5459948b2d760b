import type { AdMode } from './ad-server-config.ts';
import type { Tracking } from './vast-document.ts';

/** One ready ad in a break: the origin title its conditioned renditions live under, and its trackers. */
export interface PlannedAd {
  creativeId: string;
  /** `ad-{hash}`: the conditioned creative's title on the origin (same ladder and packaging as content). */
  adTitleId: string;
  durationSeconds: number;
  tracking: Tracking;
}

export interface PlannedBreak {
  id: string;
  /** Content seconds where the break goes; `'end'` for a post-roll. */
  at: number | 'end';
  /** The break's planned length; what the ads leave unfilled is slate (live) or skipped (VOD). */
  durationSeconds: number;
  ads: PlannedAd[];
  /** Why the break is short (timeout, empty or malformed VAST, creatives still conditioning). */
  problems: string[];
  /**
   * Live, per rendition playlist file: where the break starts and ends in that playlist. Audio segments
   * are not cut at the video's instants, so a break can begin or end one media sequence number apart.
   */
  renditions?: Record<string, { startMsn: number; endMsn?: number }>;
  /** Live only: the break's first media sequence number in the rendition that saw it first… */
  startMsn?: number;
  /** …and the first content segment after it, once its CUE-IN (or SCTE35-IN) has been seen. */
  endMsn?: number;
  /**
   * Live: how many discontinuities the break put in each rendition's playlist (by playlist file), kept once it
   * has left the window (for the sequence count). Per rendition: an ad's audio and video may have different
   * segment counts, so an early return can cut them at a different number of ad changes.
   */
  discontinuities?: Record<string, number>;
  /** Live interstitials: the break's program date (epoch ms); its ads are decided when the player asks for them. */
  startDate?: number;
  /** Live interstitials: not decided yet (the asset list decides, from a prefetched decision when there is one). */
  undecided?: true;
}

/** A play session's ad decisions, kept by the session's AdSessions object and read on every playlist fetch. */
export interface AdPlan {
  sid: string;
  titleId: string;
  mode: AdMode;
  breaks: PlannedBreak[];
  createdAt: number;
  /** Live: the viewer's macro values, kept for the decisions made at later reloads. */
  viewer?: { device: string; region: string; consent: string };
}
