import type { StreamLimiter } from '@cascade/licensing';
import type { RevocationList } from './revocation/revocation-list.ts';
import type { SteeringEnv } from './steering/parse-steering-config.ts';
import type { SteeringControl } from './steering/steering-control.ts';
import type { AdSessions } from './ssai/ad-sessions.ts';
import type { AdBeaconMessage } from './ssai/ad-beacon-message.ts';

/** Bindings exactly as wrangler.toml declares them. Everything is a string until config.ts has checked it. */
export interface Env extends SteeringEnv {
  ENVIRONMENT?: string;
  DEV_FEATURES?: string;
  SHIELD_URL?: string;
  UPSTREAM_TIMEOUT_MS?: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
  JWT_ALGORITHMS?: string;
  SESSION_TOKEN_TTL_SECONDS?: string;
  SESSION_MAX_SECONDS?: string;
  /** The identity service's JWKS URL; when set it replaces VIEWER_JWKS. */
  VIEWER_JWKS_URL?: string;
  VIEWER_JWKS_CACHE_SECONDS?: string;
  VIEWER_JWKS_COOLDOWN_SECONDS?: string;
  VIEWER_JWKS_MAX_STALE_SECONDS?: string;
  CATALOGUE_TTL_SECONDS?: string;
  CATALOGUE_MAX_STALE_SECONDS?: string;
  REVOCATION_CACHE_SECONDS?: string;
  REVOCATION_POP_CACHE_SECONDS?: string;
  SLATE_TITLE_ID?: string;
  /** Bits per second; renditions above it are dropped from every manifest (0 or unset: off). */
  SURGE_CAP_BPS?: string;
  /** Concurrent streams per plan, `plan:n[,…]` (defaults basic:1,standard:2,premium:4). */
  STREAM_LIMITS?: string;
  /** At the limit, per plan: `plan:refuse-new|evict-oldest[,…]` (default refuse-new). */
  STREAM_POLICIES?: string;
  /** A stream lease lives this long without a heartbeat or playlist reload (default 120)… */
  STREAM_LEASE_SECONDS?: string;
  /** …plus this grace (default 30). */
  STREAM_GRACE_SECONDS?: string;
  STREAM_RENEWAL_REUSE_SECONDS?: string;
  /** Highest key tier per plan for protected titles, `plan:SD|HD|UHD[,…]` (default basic:SD,standard:HD,premium:UHD). */
  LICENSE_PLAN_TIERS?: string;
  /** Secret: the key-encryption key content keys are wrapped under (base64 of 32 bytes); unset = no licences. */
  CONTENT_KEK?: string;
  /** Secret: the identity service's public JWKS (JSON). */
  VIEWER_JWKS?: string;
  /** Secret: `kid:base64secret[,kid:base64secret…]`; the first entry signs, every entry verifies. */
  SESSION_TOKEN_KEYS?: string;
  /** Secret: what the edge presents to the shield in `x-cascade-shield-auth` (one of the shield's SHIELD_AUTH_SECRETS). */
  SHIELD_AUTH_SECRET?: string;
  /** JSON list of ad decision servers (README "Ad insertion"); unset: no ads. */
  AD_SERVERS?: string;
  /** The origin's base URL for creative conditioning (`POST /api/v1/creatives`). */
  AD_CONDITIONING_URL?: string;
  /** Secret: an origin operator token (one of ORIGIN_API_TOKENS), for creative conditioning only. */
  ORIGIN_API_TOKEN?: string;
  ASSETS?: Fetcher;
  STREAM_LIMITER?: DurableObjectNamespace<StreamLimiter>;
  REVOCATIONS?: DurableObjectNamespace<RevocationList>;
  /** The steering control plane (operator overrides, health, QoE, audit log): one global instance. */
  STEERING_CONTROL?: DurableObjectNamespace<SteeringControl>;
  /** Workers Analytics Engine dataset for per-pathway QoE; optional (absent locally). */
  STEERING_QOE?: AnalyticsEngineDataset;
  /** Per play session: its ad plan and which beacons have been delivered. */
  AD_SESSIONS?: DurableObjectNamespace<AdSessions>;
  /** Server-side ad beacons, delivered at least once with retries. */
  AD_BEACONS?: Queue<AdBeaconMessage>;
}
