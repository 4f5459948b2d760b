import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface WrkResult {
  requestsPerSecond: number;
  bytesPerSecond: number;
  non2xx: number;
  errors: number;
}

const UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

/** One bounded wrk run (one thread: the machine is small and shared) and its parsed summary. */
export async function wrk(url: string, options: { connections: number; seconds: number; headers: Record<string, string> }): Promise<WrkResult> {
  const args = ['-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--timeout', '5s'];
  for (const [name, value] of Object.entries(options.headers)) args.push('-H', `${name}: ${value}`);
  args.push(url);
  const { stdout } = await run('wrk', args, { timeout: (options.seconds + 30) * 1000 });
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1];
  const transfer = /Transfer\/sec:\s+([\d.]+)([KMG]?B)/.exec(stdout);
  if (rps === undefined || transfer === null) throw new Error(`could not parse wrk output:\n${stdout}`);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const errors = socketErrors === null ? 0 : socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0);
  return {
    requestsPerSecond: Number(rps),
    bytesPerSecond: Number(transfer[1]) * (UNITS[transfer[2] ?? 'B'] ?? 1),
    non2xx,
    errors,
  };
}
