import { readFileSync } from 'node:fs';

/**
 * SYNs the kernel dropped because a listening socket's accept queue was full (TcpExt ListenOverflows,
 * /proc/net/netstat), machine-wide; undefined where not readable. A server that accepts too slowly for
 * a connection storm makes clients wait for SYN retransmissions (1, 3, 7, 15, 31 s), which reads as
 * latency of that tier.
 */
export function listenOverflows(): number | undefined {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
    const names = lines.find((l) => l.startsWith('TcpExt:'))?.split(/\s+/);
    const values = lines.filter((l) => l.startsWith('TcpExt:'))[1]?.split(/\s+/);
    const at = names?.indexOf('ListenOverflows') ?? -1;
    return at > 0 && values?.[at] !== undefined ? Number(values[at]) : undefined;
  } catch {
    return undefined;
  }
}
