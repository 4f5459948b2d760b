import type { ErrorCode } from '@cascade/common';
import type { MediaProbe } from '../media/probe-media.ts';
import type { TitleEncryption } from '../config.ts';

/**
 * A job's life: `uploading` (bytes still arriving on a plain upload) → `queued` → `probing` →
 * `transcoding` → `packaging` → `ready`, or `failed` from any of them with a code and a reason.
 */
export type JobState = 'uploading' | 'queued' | 'probing' | 'transcoding' | 'packaging' | 'ready' | 'failed';

export const ACTIVE_STATES: readonly JobState[] = ['probing', 'transcoding', 'packaging'];

/** Where the source comes from. `file` is where the origin reads it: inside the job's directory, or the operator's path. */
export type JobSource =
  | { kind: 'upload'; file: string; originalName?: string }
  | { kind: 'tus'; file: string; originalName?: string }
  | { kind: 'path'; file: string }
  | { kind: 'url'; url: string; file: string };

export interface RenditionProgress {
  id: string;
  percent: number;
}

export interface Job {
  id: string;
  titleId: string;
  titleName: string;
  state: JobState;
  source: JobSource;
  probe: MediaProbe | undefined;
  /** 0..100 over the whole job. */
  percent: number;
  /** One entry per rendition being made (empty until the ladder is chosen). */
  renditions: RenditionProgress[];
  etaSeconds: number | undefined;
  error: { code: ErrorCode; reason: string } | undefined;
  /** How many times a worker started this job (a restart mid-job counts). */
  attempts: number;
  /** How the title's media is encrypted (README "Licensing"): none, cenc or cbcs. */
  encryption: TitleEncryption;
  /**
   * Segment (and GOP) length of this title's packaging when it differs from ORIGIN_SEGMENT_SECONDS: ad
   * creatives for a live channel are cut at the channel's segment length.
   */
  segmentSeconds: number | undefined;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | undefined;
}

export interface NewJob {
  id: string;
  titleId: string;
  titleName: string;
  source: JobSource;
  state: 'uploading' | 'queued';
  encryption?: TitleEncryption;
  segmentSeconds?: number;
}
