/**
 * The one table of what each staff role may do, and `can()`, the one check every route, page
 * and action goes through (guards.ts turns it into middleware). Nothing else looks at roles.
 *
 * - viewer: follows the worklist and metrics; sees member ids and birth dates masked.
 * - staff: works requests: full PHI, records appeals and extensions, retries, resends or cancels
 *   failed deliveries and records payer calls (`requests.act`), reviews held requests before they
 *   are sent (`requests.review`: approve, change documentation, return), runs eligibility batches.
 * - auditor: the audit trail (AuditEvent export), security alerts and metrics; no request details, no PHI.
 * - every role: the data-quality report (`quality.read`; member ids masked without
 *   `requests.read.phi`) and payer interface health (`health.read`; no PHI at all).
 * - admin: everything, including staff users (MFA reset), everyone's sessions and the
 *   organizations' settings (`org.settings`: review before sending).
 *
 * Every user may see and revoke their own sessions and enrol in MFA; no permission is needed.
 */
import type { Role, StaffPrincipal } from './types.ts';

export const PERMISSIONS = [
  'requests.read',
  'requests.read.phi',
  'requests.act',
  'requests.review',
  'metrics.read',
  'audit.read',
  'users.admin',
  'sessions.admin',
  'alerts.read',
  'alerts.manage',
  'eligibility.batch',
  'quality.read',
  'health.read',
  'org.settings',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  viewer: ['requests.read', 'metrics.read', 'quality.read', 'health.read'],
  staff: ['requests.read', 'requests.read.phi', 'requests.act', 'requests.review', 'metrics.read', 'eligibility.batch', 'quality.read', 'health.read'],
  auditor: ['metrics.read', 'audit.read', 'alerts.read', 'quality.read', 'health.read'],
  admin: PERMISSIONS,
};

/** @example can({ role: 'auditor' }, 'requests.read.phi') // false */
export function can(who: Pick<StaffPrincipal, 'role'> | undefined, permission: Permission): boolean {
  return Boolean(who && ROLE_PERMISSIONS[who.role]?.includes(permission));
}

/** Where a user lands after sign-in: the first page their role may open. */
export function homeOf(who: Pick<StaffPrincipal, 'role'>): string {
  if (can(who, 'requests.read')) return '/ui';
  if (can(who, 'metrics.read')) return '/ui/metrics';
  return '/ui/account';
}
