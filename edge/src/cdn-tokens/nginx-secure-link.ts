/**
 * nginx `secure_link` (MD5 form): `base64url(MD5("<expires><protected><space><secret>"))`, unpadded,
 * as nginx's ngx_http_secure_link_module documents for `secure_link_md5 "$secure_link_expires$uri
 * secret"`. `protected` is whatever the nginx config puts there: the request URI for one file, or a
 * path prefix (`/vod/demo/`) captured from the location to cover a session's whole title. The
 * README's "CDN tokens" shows the matching nginx configuration.
 */
export interface SecureLinkOptions {
  /** The string nginx hashes between the expiry and the secret: a URI or a path prefix. */
  protectedPath: string;
  expires: number;
  secret: string;
}

function base64urlUnpadded(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** The `md5` value; needs MD5 in crypto.subtle.digest, which workerd provides. */
export async function nginxSecureLinkHash(options: SecureLinkOptions): Promise<string> {
  if (!Number.isInteger(options.expires) || options.expires <= 0) throw new RangeError(`expires: expected epoch seconds, received ${options.expires}`);
  if (!options.protectedPath.startsWith('/') || /\s/.test(options.protectedPath)) {
    throw new RangeError(`protectedPath: expected an absolute path without spaces, received ${JSON.stringify(options.protectedPath)}`);
  }
  if (options.secret.length === 0) throw new RangeError('secret: expected a non-empty string');
  const digest = await crypto.subtle.digest('MD5', new TextEncoder().encode(`${options.expires}${options.protectedPath} ${options.secret}`));
  return base64urlUnpadded(new Uint8Array(digest));
}
