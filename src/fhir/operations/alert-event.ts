/**
 * An audit-monitor alert as a FHIR R4 AuditEvent (DICOM 110113 "Security Alert"), for
 * `GET /fhir/AuditEvent?type=alert`. The suspicious actor is the entity the alert is about; the
 * agent is Priorgate's monitor; the audit events that raised it are referenced as
 * `AuditEvent/{id}` (their places in the log are in the detail). Ids, codes and counts only.
 */
import type { AlertRow } from '../../db/queries/monitor.ts';

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
export const ALERT_TYPE = { system: DCM, code: '110113', display: 'Security Alert' };
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';

/** Does a `type` search value ask for alerts? (`alert`, `110113`, or `system|110113`.) */
export function wantsAlerts(type: string | undefined): boolean {
  return type === 'alert' || type === ALERT_TYPE.code || type === `${DCM}|${ALERT_TYPE.code}`;
}

export function alertAuditEvent(a: AlertRow, eventIdOf: (seq: number) => number | undefined = () => undefined) {
  const detail = [
    { type: 'severity', valueString: a.severity },
    { type: 'count', valueString: String(a.count) },
    { type: 'firstEventSeq', valueString: String(a.firstSeq) },
    { type: 'lastEventSeq', valueString: String(a.lastSeq) },
    ...(a.acknowledgedAt ? [{ type: 'acknowledgedBy', valueString: a.acknowledgedBy ?? '' }, { type: 'acknowledgedAt', valueString: a.acknowledgedAt.toISOString() }] : []),
    ...Object.entries(a.detail ?? {})
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => ({ type: k, valueString: typeof v === 'string' ? v : JSON.stringify(v) })),
  ];
  return {
    resourceType: 'AuditEvent',
    id: `alert-${a.id}`,
    type: ALERT_TYPE,
    subtype: [{ system: 'urn:priorgate:audit-alert-rule', code: a.rule }],
    action: 'E',
    period: { start: a.firstAt.toISOString(), end: a.lastAt.toISOString() },
    recorded: a.createdAt.toISOString(),
    outcome: '0',
    agent: [{ who: { identifier: { system: 'urn:priorgate:actor', value: 'system:audit-monitor' }, display: 'Priorgate audit monitor' }, requestor: false }],
    source: {
      observer: { display: 'Priorgate' },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
    },
    entity: [
      { what: { identifier: { system: 'urn:priorgate:audit_alert', value: a.id } }, type: { system: ENTITY_TYPE, code: '2', display: 'System Object' }, detail },
      { what: { identifier: { system: 'urn:priorgate:actor', value: a.actor } }, type: { system: ENTITY_TYPE, code: '1', display: 'Person' }, role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '6', display: 'User' } },
      ...[...new Set([a.firstSeq, a.lastSeq])].flatMap((seq) => {
        const id = eventIdOf(seq);
        return id === undefined ? [] : [{ what: { reference: `AuditEvent/${id}` } }];
      }),
    ],
    ...(a.orgId ? { meta: { tag: [{ system: 'urn:priorgate:organization', code: a.orgId }] } } : {}),
  };
}
