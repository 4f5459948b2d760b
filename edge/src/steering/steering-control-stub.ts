import { ProblemError } from '@cascade/common';
import type { Env } from '../env.ts';

/** The global SteeringControl instance; a fresh stub per request (stubs are bound to their request). */
export function steeringControl(env: Env) {
  const namespace = env.STEERING_CONTROL;
  if (!namespace) throw new ProblemError('config-invalid', 'STEERING_CONTROL: expected a Durable Object binding to SteeringControl, received none');
  return namespace.get(namespace.idFromName('global'));
}
