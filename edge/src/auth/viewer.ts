export const PLANS = ['basic', 'standard', 'premium'] as const;
export type Plan = (typeof PLANS)[number];
export const ROLES = ['viewer', 'operator'] as const;
export type Role = (typeof ROLES)[number];

/** The verified identity a viewer JWT carries; README "Viewer tokens" documents the claims. */
export interface Viewer {
  sub: string;
  plan: Plan;
  role: Role;
  exp: number;
}
