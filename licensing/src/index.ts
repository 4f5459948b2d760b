export { StreamLimiter, type AcquireRequest, type AcquireResult, type Lease } from './stream-limiter.ts';
