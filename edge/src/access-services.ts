import type { CatalogueClient } from './catalogue/catalogue-client.ts';
import type { EdgeConfig } from './config.ts';
import type { RevocationChecker } from './revocation/revocation-checker.ts';
import type { SessionTokens } from './session/session-token.ts';
import type { StreamLeases } from './streams/stream-leases.ts';
import type { ViewerAuthOptions } from './auth/viewer-auth.ts';
import type { QoeAggregator } from './steering/qoe-aggregator.ts';
import type { SteeringService } from './steering/steering-service.ts';
import type { AdInsertion } from './ssai/ad-insertion.ts';

/** What the routes share for one isolate and one configuration. */
export interface AccessServices {
  config: EdgeConfig;
  viewerAuth: ViewerAuthOptions;
  sessions: SessionTokens;
  catalogue: CatalogueClient;
  revocations: RevocationChecker;
  streams: StreamLeases;
  steering: SteeringService;
  qoe: QoeAggregator;
  /** Server-side ad insertion (README "Ad insertion"). */
  ads: AdInsertion;
}
