export {
  StreamLimiter,
  STREAM_POLICIES,
  type AcquireResult,
  type EndReason,
  type HeartbeatResult,
  type Lease,
  type LeaseTerms,
  type StreamPolicy,
} from './stream-limiter.ts';
