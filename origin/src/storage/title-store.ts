import type { DataLayout } from './data-layout.ts';
import { publishTitleBuild, titleState, type TitleBuild, type TitleState } from './title-build.ts';

/**
 * Where published titles live. Jobs build a title in a local directory and hand it to the store;
 * readers see either no title or all of it.
 *
 * LocalTitleStore (default): one rename of the build directory into `vod/`, atomic on one file system.
 * An S3-compatible store (R2, S3, MinIO) has no directory rename, so it would upload every segment
 * and playlist first and `title.json` last, under a per-build prefix: the record is the commit point,
 * and the catalogue (and media route) only look at titles whose record exists. See README "Scaling
 * the origin".
 */
export interface TitleStore {
  state(titleId: string): Promise<TitleState>;
  /** Publish a finished build; throws with code EEXIST/ENOTEMPTY when the title already exists. */
  publish(build: TitleBuild): Promise<void>;
}

export class LocalTitleStore implements TitleStore {
  readonly #layout: DataLayout;

  constructor(layout: DataLayout) {
    this.#layout = layout;
  }

  state(titleId: string): Promise<TitleState> {
    return titleState(this.#layout, titleId);
  }

  publish(build: TitleBuild): Promise<void> {
    return publishTitleBuild(this.#layout, build);
  }
}
