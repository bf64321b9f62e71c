/** Who is signed in, and what the staff pages may see. */
import type { Config } from '../config/index.ts';
import type { Db } from '../db/client.ts';
import type { GatewayServices } from '../http/context.ts';

/** What each role may do is in permissions.ts (the one table). */
export const ROLES = ['viewer', 'staff', 'admin', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export interface StaffPrincipal {
  userId: string;
  username: string;
  role: Role;
  /** The one organization this user may see; null: all organizations. */
  orgId: string | null;
  /** Synchronizer CSRF token of this session (derived from the session token, never stored). */
  csrf: string;
  tokenHash: string;
  /** The session's public handle (staff_sessions.id). */
  sessionId?: string;
}

/**
 * A half-signed-in browser: the password was right, but a TOTP code (`mfa`) or an MFA enrolment
 * (`enrol`) is still owed. It grants nothing but the MFA pages and logout.
 */
export interface PendingStaff extends StaffPrincipal {
  stage: 'mfa' | 'enrol';
}

declare module 'hono' {
  interface ContextVariableMap {
    staff?: StaffPrincipal;
    pendingStaff?: PendingStaff;
  }
}

/** What the staff routes need from AppDeps. */
export interface StaffDeps {
  db: Db;
  config: Config;
  now: () => Date;
  /** The gateway's payers, rules and worker (absent in bare test apps: the request actions then refuse). */
  services?: GatewayServices;
}

/** A stored role we do not know (for example a typo) gets the least: viewer. */
export function roleOf(stored: string): Role {
  return (ROLES as readonly string[]).includes(stored) ? (stored as Role) : 'viewer';
}

/** The audit actor name of a staff user. */
export const actorOf = (s: Pick<StaffPrincipal, 'username'>) => `staff:${s.username}`;
