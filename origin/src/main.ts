// `node origin/src/main.ts`: the origin service. Configuration comes from the environment (see config.ts).
import { ProblemError } from '@cascade/common';
import { createLogger } from '@cascade/common/node';
import { loadConfig } from './config.ts';
import { startOrigin, type RunningOrigin } from './start-origin.ts';

const logger = createLogger('origin');

let config;
try {
  config = loadConfig();
} catch (error) {
  logger.fatal({ code: error instanceof ProblemError ? error.code : 'internal' }, (error as Error).message);
  process.exit(2);
}

let origin: RunningOrigin;
try {
  origin = await startOrigin(config, { logger });
} catch (error) {
  logger.fatal({ err: error }, 'origin failed to start');
  process.exit(1);
}

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping');
  await origin.close();
  process.exit(0);
}
process.once('SIGINT', () => void stop('SIGINT'));
process.once('SIGTERM', () => void stop('SIGTERM'));

try {
  await origin.ready;
} catch (error) {
  if (!stopping) {
    // Without its sample content the origin is not what `npm start` promises: stop loudly.
    logger.fatal({ err: error }, 'sample content could not be made');
    await origin.close();
    process.exit(1);
  }
}
