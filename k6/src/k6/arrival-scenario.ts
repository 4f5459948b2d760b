import type { ArrivalStage, ScenarioConfig } from '../config/scenario-config.ts';

/**
 * One `ramping-arrival-rate` scenario: each iteration is a whole viewer session, so VUs are sized from
 * `maxVUs` and the graceful stop lets the last viewers finish watching.
 */
export function arrivalScenario(config: ScenarioConfig, stages: ArrivalStage[], startRate: number) {
  return {
    executor: 'ramping-arrival-rate' as const,
    startRate,
    timeUnit: '1s',
    preAllocatedVUs: Math.ceil(config.maxVUs / 4),
    maxVUs: config.maxVUs,
    stages,
    gracefulStop: `${config.watchSeconds + 10}s`,
  };
}
