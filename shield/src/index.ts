export { startShield, type RunningShield, type StartShieldOptions } from './start-shield.ts';
export { loadConfig, DEFAULT_CONFIG, type ShieldConfig } from './config.ts';
