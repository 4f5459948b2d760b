/** What happens when an account at its limit starts one more stream. Kept free of workerd imports: config code reads it. */
export type StreamPolicy = 'refuse-new' | 'evict-oldest';
export const STREAM_POLICIES: readonly StreamPolicy[] = ['refuse-new', 'evict-oldest'];
