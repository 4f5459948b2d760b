/**
 * Render a pino JSON log line for a person watching `npm start`:
 * `06:04:11 info  making sample title stage=package percent=81.3`. Anything else passes through.
 * The services themselves keep writing JSON; only this console view changes.
 */
const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const HIDDEN = new Set(['level', 'time', 'msg', 'service', 'name', 'pid', 'hostname']);

export function humanLogLine(line: string): string {
  if (!line.startsWith('{')) return line;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof entry['msg'] !== 'string') return line;
  const time = typeof entry['time'] === 'string' ? entry['time'].slice(11, 19) : '';
  const level = (typeof entry['level'] === 'number' ? LEVELS[entry['level']] : String(entry['level'] ?? '')) ?? '';
  const fields = Object.entries(entry)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${time} ${level.padEnd(5)} ${entry['msg']}${fields ? ` ${fields}` : ''}`;
}
