export const PLANS = ['basic', 'standard', 'premium'] as const;
export type Plan = (typeof PLANS)[number];
export const ROLES = ['viewer', 'operator'] as const;
export type Role = (typeof ROLES)[number];
export const AD_TIERS = ['ad-supported', 'ad-free'] as const;
export type AdTier = (typeof AD_TIERS)[number];

/** The verified identity and entitlements a viewer JWT carries; README "Viewer tokens" documents the claims. */
export interface Viewer {
  sub: string;
  /** Account the viewer belongs to (claim `acct`, default `sub`): revocation and stream limits key on it. */
  account: string;
  plan: Plan;
  role: Role;
  /** Highest video height the viewer may receive (claim `max_height`); undefined = no cap. */
  maxHeight: number | undefined;
  adTier: AdTier;
  /** When present, the only titles (claim `titles`) or packages (claim `packages`) the viewer may open. */
  titles: string[] | undefined;
  packages: string[] | undefined;
  /** Issued-at (seconds); account revocations refuse tokens issued before them. */
  iat: number | undefined;
  exp: number;
}
