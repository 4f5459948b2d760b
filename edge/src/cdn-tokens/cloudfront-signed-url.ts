/**
 * Amazon CloudFront signed URLs: a policy statement signed with RSA-SHA1 (RSASSA-PKCS1-v1_5) by a
 * key whose public half is registered with CloudFront under `Key-Pair-Id`. Base64 in CloudFront's
 * URL-safe variant (`+`→`-`, `=`→`_`, `/`→`~`).
 *
 * Canned policy: one URL until `dateLessThan`; the policy is implied, so the URL carries `Expires`.
 * Custom policy: a resource with wildcards (a session's path prefix, `https://cdn/vod/demo/*`),
 * optional `dateGreaterThan` and source IP range; the URL carries the encoded `Policy`.
 */
export interface CloudFrontKey {
  keyPairId: string;
  /** RSA private key, PKCS#8 PEM (`openssl pkcs8 -topk8 -nocrypt` converts an RSA PRIVATE KEY file). */
  privateKeyPem: string;
}

export interface CustomPolicy {
  resource: string;
  dateLessThan: number;
  dateGreaterThan?: number;
  ipAddress?: string;
}

const keys = new Map<string, Promise<Awaited<ReturnType<typeof crypto.subtle.importKey>>>>();

function pemToDer(pem: string): Uint8Array {
  const match = /-----BEGIN PRIVATE KEY-----([\s\S]+?)-----END PRIVATE KEY-----/.exec(pem);
  if (!match) throw new RangeError('privateKeyPem: expected a PKCS#8 "BEGIN PRIVATE KEY" PEM');
  const binary = atob(match[1]!.replace(/\s+/g, ''));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function cloudFrontBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('=', '_').replaceAll('/', '~');
}

async function sign(key: CloudFrontKey, policy: string): Promise<string> {
  let imported = keys.get(key.privateKeyPem);
  if (!imported) {
    imported = crypto.subtle.importKey('pkcs8', pemToDer(key.privateKeyPem), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1' }, false, ['sign']);
    keys.set(key.privateKeyPem, imported);
  }
  const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', await imported, new TextEncoder().encode(policy));
  return cloudFrontBase64(new Uint8Array(signature));
}

function checkEpoch(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name}: expected epoch seconds, received ${value}`);
}

function withParams(url: string, params: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}${params}`;
}

/** The policy statement exactly as CloudFront expects it (no whitespace; key order as documented). */
export function customPolicyJson(policy: CustomPolicy): string {
  checkEpoch('dateLessThan', policy.dateLessThan);
  const condition: Record<string, unknown> = { DateLessThan: { 'AWS:EpochTime': policy.dateLessThan } };
  if (policy.dateGreaterThan !== undefined) {
    checkEpoch('dateGreaterThan', policy.dateGreaterThan);
    condition['DateGreaterThan'] = { 'AWS:EpochTime': policy.dateGreaterThan };
  }
  if (policy.ipAddress !== undefined) condition['IpAddress'] = { 'AWS:SourceIp': policy.ipAddress };
  return JSON.stringify({ Statement: [{ Resource: policy.resource, Condition: condition }] });
}

export async function cloudFrontCannedUrl(url: string, key: CloudFrontKey, dateLessThan: number): Promise<string> {
  checkEpoch('dateLessThan', dateLessThan);
  const policy = JSON.stringify({ Statement: [{ Resource: url, Condition: { DateLessThan: { 'AWS:EpochTime': dateLessThan } } }] });
  return withParams(url, `Expires=${dateLessThan}&Signature=${await sign(key, policy)}&Key-Pair-Id=${key.keyPairId}`);
}

/** Signs `policy` (whose resource covers `url`) and appends Policy, Signature and Key-Pair-Id to `url`. */
export async function cloudFrontCustomUrl(url: string, key: CloudFrontKey, policy: CustomPolicy): Promise<string> {
  const json = customPolicyJson(policy);
  const encoded = cloudFrontBase64(new TextEncoder().encode(json));
  return withParams(url, `Policy=${encoded}&Signature=${await sign(key, json)}&Key-Pair-Id=${key.keyPairId}`);
}
