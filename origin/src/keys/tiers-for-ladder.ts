import { tierForRendition, type KeyTier } from '@cascade/licensing/protection';
import type { Ladder } from '../media/ladder.ts';

/** The key tiers a ladder needs: one per video tier its rungs fall in, and audio when it has audio. */
export function tiersForLadder(ladder: Ladder): KeyTier[] {
  const tiers = new Set<KeyTier>(ladder.video.map((rung) => tierForRendition('video', rung.height)));
  if (ladder.audio) tiers.add('AUDIO');
  return [...tiers];
}
