import { ProblemError } from '@cascade/common';
import { createLogger } from '@cascade/common/node';
import { loadConfig } from './config.ts';
import { startShield } from './start-shield.ts';

const logger = createLogger('shield');

let config;
try {
  config = loadConfig();
} catch (error) {
  const message = error instanceof ProblemError ? error.message : String(error);
  logger.fatal({ code: 'config-invalid' }, message);
  process.stderr.write(`shield: invalid configuration: ${message}\n`);
  process.exit(1);
}

const shield = await startShield(config, { logger });

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // A second signal means "now": skip the grace period.
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'shutting down');
    shield.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
