import { clearKeyResponse, parseClearKeyRequest } from './clearkey-protocol.ts';
import type { LicenseAdapter, LicenseAnswer, LicenseChallenge, LicenseGrant } from './license-adapter.ts';

/** W3C EME ClearKey: the request names its KIDs, the licence is a JWK set of the granted keys. */
export class ClearKeyAdapter implements LicenseAdapter {
  readonly system = 'clearkey' as const;
  readonly route = 'clearkey';

  readChallenge(body: Uint8Array): LicenseChallenge {
    return { kids: parseClearKeyRequest(body).kids };
  }

  async issue(body: Uint8Array, grant: LicenseGrant): Promise<LicenseAnswer> {
    const { kids } = parseClearKeyRequest(body);
    const keys = kids.map((kid) => grant.keys.find((key) => key.kid === kid)).filter((key) => key !== undefined);
    return { body: JSON.stringify(clearKeyResponse(keys)), contentType: 'application/json' };
  }
}
