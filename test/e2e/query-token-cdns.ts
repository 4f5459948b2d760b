/// <reference path="../../edge/test/akamai-edgeauth.d.ts" />
import { createVerify } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import EdgeAuth from 'akamai-edgeauth';
import { freePort } from './free-port.ts';

/**
 * Stand-ins for Akamai and CloudFront in the steering tests: small proxies in front of the shield that check
 * every request's token the way the real CDN does, with verifiers this project did not write (Akamai's
 * EdgeAuth library makes the expected token; node:crypto checks CloudFront's RSA-SHA1 signature), answer
 * 403 to a missing, forged, expired or out-of-scope token, and pass good requests to the shield with its
 * CDN secret.
 */
export type QueryTokenKind = 'akamai' | 'cloudfront';

export interface QueryTokenCdnOptions {
  kind: QueryTokenKind;
  /** Host name in the pathway URL: distinct per CDN, as in production. */
  host: 'localhost' | '127.0.0.1';
  shieldUrl: string;
  shieldSecret: string;
  akamaiKeyHex?: string;
  cloudFront?: { keyPairId: string; publicKeyPem: string };
}

function globMatches(pattern: string, value: string): boolean {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`).test(value);
}

export class QueryTokenCdn {
  readonly options: QueryTokenCdnOptions;
  readonly port: number;
  /** Paths served and refused (with why), for the test's checks. */
  readonly served: string[] = [];
  readonly refused: Array<{ path: string; why: string }> = [];
  #server: Server | undefined;

  private constructor(options: QueryTokenCdnOptions, port: number) {
    this.options = options;
    this.port = port;
  }

  static async create(options: QueryTokenCdnOptions): Promise<QueryTokenCdn> {
    return new QueryTokenCdn(options, await freePort());
  }

  get prefix(): string {
    return this.options.kind === 'akamai' ? '/ak/' : '/cf/';
  }

  get baseUrl(): string {
    return `http://${this.options.host}:${this.port}${this.prefix}`;
  }

  /** Why the CDN would refuse this URL, or undefined when it serves it. */
  check(url: URL): string | undefined {
    return this.options.kind === 'akamai' ? this.#akamai(url) : this.#cloudFront(url);
  }

  #akamai(url: URL): string | undefined {
    const token = url.searchParams.get('hdnts');
    if (token === null) return 'no token';
    const fields = new Map(token.split('~').map((field) => [field.slice(0, field.indexOf('=')), field.slice(field.indexOf('=') + 1)]));
    const acl = fields.get('acl');
    const exp = Number(fields.get('exp'));
    const st = fields.has('st') ? Number(fields.get('st')) : undefined;
    if (acl === undefined || !Number.isInteger(exp)) return 'malformed token';
    const now = Math.floor(Date.now() / 1000);
    if (exp <= now) return 'expired';
    if (st !== undefined && st > now) return 'not yet valid';
    if (!acl.split('!').some((entry) => globMatches(entry, url.pathname))) return 'path outside the ACL';
    const expected = new EdgeAuth({ key: this.options.akamaiKeyHex!, startTime: st, endTime: exp, algorithm: 'SHA256' }).generateACLToken(acl);
    return expected === token ? undefined : 'bad hmac';
  }

  #cloudFront(url: URL): string | undefined {
    const { keyPairId, publicKeyPem } = this.options.cloudFront!;
    const policyParam = url.searchParams.get('Policy');
    const signature = url.searchParams.get('Signature');
    if (policyParam === null || signature === null) return 'no signature';
    if (url.searchParams.get('Key-Pair-Id') !== keyPairId) return 'unknown key pair';
    const standard = (value: string) => value.replaceAll('-', '+').replaceAll('_', '=').replaceAll('~', '/');
    const policy = Buffer.from(standard(policyParam), 'base64').toString('utf8');
    if (!createVerify('RSA-SHA1').update(policy).verify(publicKeyPem, standard(signature), 'base64')) return 'bad signature';
    let statement: { Resource?: string; Condition?: { DateLessThan?: { 'AWS:EpochTime'?: number }; DateGreaterThan?: { 'AWS:EpochTime'?: number } } };
    try {
      statement = (JSON.parse(policy) as { Statement: [typeof statement] }).Statement[0];
    } catch {
      return 'malformed policy';
    }
    const now = Math.floor(Date.now() / 1000);
    const before = statement.Condition?.DateLessThan?.['AWS:EpochTime'];
    if (before === undefined || before <= now) return 'expired';
    const after = statement.Condition?.DateGreaterThan?.['AWS:EpochTime'];
    if (after !== undefined && after > now) return 'not yet valid';
    const unsigned = new URL(url.href);
    for (const name of ['Policy', 'Signature', 'Key-Pair-Id']) unsigned.searchParams.delete(name);
    return statement.Resource !== undefined && globMatches(statement.Resource, unsigned.href) ? undefined : 'URL outside the policy';
  }

  async start(): Promise<void> {
    if (this.#server?.listening) return;
    const server = createServer(async (req, res) => {
      const cors = { 'access-control-allow-origin': '*' };
      // As the player addressed it: the pathway URL's host name, not the socket's.
      const url = new URL(req.url ?? '/', `http://${this.options.host}:${this.port}`);
      const refuse = (why: string) => {
        this.refused.push({ path: url.pathname, why });
        res.writeHead(403, { ...cors, 'content-type': 'text/plain' }).end(`403 ${why}`);
      };
      if (req.method === 'OPTIONS') return void res.writeHead(204, { ...cors, 'access-control-allow-headers': '*' }).end();
      if (!url.pathname.startsWith(this.prefix)) return refuse('not under the distribution');
      const why = this.check(url);
      if (why !== undefined) return refuse(why);
      this.served.push(url.pathname);
      try {
        const upstream = await fetch(new URL(url.pathname.slice(this.prefix.length), this.options.shieldUrl), {
          headers: { 'x-cascade-shield-auth': this.options.shieldSecret },
        });
        const headers: Record<string, string> = { ...cors };
        for (const name of ['content-type', 'content-length', 'cache-control', 'etag']) {
          const value = upstream.headers.get(name);
          if (value !== null) headers[name] = value;
        }
        res.writeHead(upstream.status, headers);
        res.end(Buffer.from(await upstream.arrayBuffer()));
      } catch (error) {
        res.writeHead(502, cors).end(String(error));
      }
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.#server = server;
  }

  /** The outage: the CDN stops answering at once (connections refused). */
  async kill(): Promise<void> {
    const server = this.#server;
    if (!server?.listening) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
