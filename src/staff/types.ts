/** Who is signed in, and what the staff pages may see. */
import type { Config } from '../config/index.ts';
import type { Db } from '../db/client.ts';

export const ROLES = ['viewer', 'admin'] as const;
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
}

declare module 'hono' {
  interface ContextVariableMap {
    staff?: StaffPrincipal;
  }
}

/** What the staff routes need from AppDeps. */
export interface StaffDeps {
  db: Db;
  config: Config;
  now: () => Date;
}

/** Stored roles other than `admin` (including the legacy default `staff`) read as viewer. */
export function roleOf(stored: string): Role {
  return stored === 'admin' ? 'admin' : 'viewer';
}

/** The audit actor name of a staff user. */
export const actorOf = (s: Pick<StaffPrincipal, 'username'>) => `staff:${s.username}`;
