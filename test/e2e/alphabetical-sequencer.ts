import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The e2e files share one stack, so their order matters: the collapsing test needs segments no
 * player has fetched yet, and hls.js buffers a whole 60 s VOD within seconds on loopback. Running
 * files alphabetically keeps delivery-path before demo-playback on every machine, instead of
 * vitest's default order (by past duration), which differs between a fresh clone and a rerun.
 */
export default class AlphabeticalSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => a.moduleId.localeCompare(b.moduleId));
  }
}
