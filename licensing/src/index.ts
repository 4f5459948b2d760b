export {
  StreamLimiter,
  type AcquireResult,
  type EndReason,
  type HeartbeatResult,
  type Lease,
  type LeaseTerms,
} from './stream-limiter.ts';
export { STREAM_POLICIES, type StreamPolicy } from './stream-policy.ts';
export * from './protection.ts';
