export { createLogger, type Logger } from './logger.ts';
export { createMetricsRegistry, Registry } from './metrics.ts';
export { createSecretMatcher } from './secret-matcher.ts';
