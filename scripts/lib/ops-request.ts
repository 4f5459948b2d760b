/** One ops API call the CLI makes: method, path under /v1/ops, JSON body. */
export interface OpsRequest {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body?: unknown;
}

export const OPS_USAGE = `usage: npm run ops -- [--edge URL] [--token JWT] cdn <command>
  cdn list                       pathways with state, weight, health, traffic share and QoE
  cdn drain ID | restore ID | down ID
  cdn weight ID N                N in 0..1000
  cdn region CC ID[,ID…] | none  a country's pathway preference (ISO 3166 alpha-2), or clear it
  cdn surge BPS | off            bitrate ceiling for manifests at their next load
  cdn audit [N]                  the last N changes (default 20)
The edge defaults to $EDGE_URL or http://127.0.0.1:8787; the token to $OPS_TOKEN or an operator token from
the local development identity.`;

const PATHWAY = /^[A-Za-z0-9._~-]{1,32}$/;

function integer(raw: string | undefined, what: string, min: number, max: number): number {
  if (raw === undefined || !/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new RangeError(`${what}: expected an integer in ${min}..${max}, received ${JSON.stringify(raw ?? '(nothing)')}`);
  }
  return Number(raw);
}

function pathway(raw: string | undefined): string {
  if (raw === undefined || !PATHWAY.test(raw)) throw new RangeError(`pathway: expected an id [A-Za-z0-9._~-]{1,32}, received ${JSON.stringify(raw ?? '(nothing)')}`);
  return raw;
}

/** Turns `cdn <command> …` into the API call; a RangeError names what is wrong. */
export function opsRequest(args: readonly string[]): OpsRequest {
  const [area, command, ...rest] = args;
  if (area !== 'cdn') throw new RangeError(`area: expected "cdn", received ${JSON.stringify(area ?? '(nothing)')}`);
  const extra = (n: number) => {
    if (rest.length > n) throw new RangeError(`cdn ${command}: unexpected ${JSON.stringify(rest.slice(n).join(' '))}`);
  };
  switch (command) {
    case 'list':
      extra(0);
      return { method: 'GET', path: '/cdn/pathways' };
    case 'drain':
    case 'restore':
    case 'down':
      extra(1);
      return { method: 'POST', path: `/cdn/pathways/${pathway(rest[0])}/${command}` };
    case 'weight':
      extra(2);
      return { method: 'PUT', path: `/cdn/pathways/${pathway(rest[0])}/weight`, body: { weight: integer(rest[1], 'weight', 0, 1000) } };
    case 'region': {
      extra(2);
      const country = rest[0];
      if (country === undefined || !/^[A-Z]{2}$/.test(country)) throw new RangeError(`country: expected an ISO 3166 alpha-2 code, received ${JSON.stringify(country ?? '(nothing)')}`);
      const list = rest[1];
      if (list === undefined) throw new RangeError('region: expected pathway ids (a,b) or "none"');
      return { method: 'PUT', path: `/cdn/regions/${country}`, body: { pathways: list === 'none' ? null : list.split(',').map(pathway) } };
    }
    case 'surge':
      extra(1);
      return { method: 'PUT', path: '/cdn/surge', body: { capBps: rest[0] === 'off' ? null : integer(rest[0], 'surge', 10_000, 1_000_000_000) } };
    case 'audit':
      extra(1);
      return { method: 'GET', path: `/cdn/audit?limit=${rest[0] === undefined ? 20 : integer(rest[0], 'audit', 1, 1000)}` };
    default:
      throw new RangeError(`cdn: expected list, drain, restore, down, weight, region, surge or audit, received ${JSON.stringify(command ?? '(nothing)')}`);
  }
}
