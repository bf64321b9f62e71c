/**
 * CAQH CORE Connectivity (Phase II/III, rule 270) real-time SOAP 1.2 envelopes. Both sides live
 * here: the gateway builds requests and reads responses; the payer simulator does the reverse.
 * The X12 payload travels as text inside <Payload> (XML-escaped).
 */
import { XMLBuilder, XMLParser } from 'fast-xml-parser';

const SOAP_NS = 'http://www.w3.org/2003/05/soap-envelope';
const CORE_NS = 'http://www.caqh.org/SOAP/WSDL/CORERule2.2.0.xsd';

/** CORE payload types (the X12 005010 implementation guides, with errata). */
export const PAYLOAD_TYPES = {
  '278-request': 'X12_278_Request_005010X217E1_2',
  '278-response': 'X12_278_Response_005010X217E1_2',
  '275-request': 'X12_275_Request_005010X210E1',
  // CORE names no 6020 payload type; this one follows its pattern (set, Request, version).
  '275-bundle-request': 'X12_275_Request_006020X316',
  '270-request': 'X12_270_Request_005010X279A1',
  '271-response': 'X12_271_Response_005010X279A1',
  '999-response': 'X12_999_Response_005010X231A1',
  'ta1-response': 'X12_TA1_Response_00501X231A1',
} as const;

export interface CoreEnvelope {
  payloadType: string;
  processingMode: 'RealTime' | 'Batch';
  payloadId: string;
  timestamp: string;
  senderId: string;
  receiverId: string;
  coreRuleVersion: string;
  payload: string;
  /** Responses only: Success, or a CORE error code such as PayloadTypeIncorrect. */
  errorCode?: string;
  errorMessage?: string;
}

const builder = new XMLBuilder({ ignoreAttributes: false, suppressEmptyNode: false, processEntities: true });
const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
});

function body(kind: 'Request' | 'Response', e: CoreEnvelope) {
  return {
    PayloadType: e.payloadType,
    ProcessingMode: e.processingMode,
    PayloadID: e.payloadId,
    TimeStamp: e.timestamp,
    SenderID: e.senderId,
    ReceiverID: e.receiverId,
    CORERuleVersion: e.coreRuleVersion,
    Payload: e.payload,
    ...(kind === 'Response' ? { ErrorCode: e.errorCode ?? 'Success', ErrorMessage: e.errorMessage ?? 'None' } : {}),
  };
}

export function buildCoreEnvelope(kind: 'Request' | 'Response', e: CoreEnvelope): string {
  const xml = builder.build({
    'soapenv:Envelope': {
      '@_xmlns:soapenv': SOAP_NS,
      'soapenv:Header': '',
      'soapenv:Body': { [`cor:COREEnvelopeRealTime${kind}`]: { '@_xmlns:cor': CORE_NS, ...body(kind, e) } },
    },
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
}

export class CoreEnvelopeError extends Error {
  override name = 'CoreEnvelopeError';
  readonly phiFree = true;
}

/** Reads a CORE real-time envelope (request or response); throws CoreEnvelopeError when it is not one. */
export function parseCoreEnvelope(xml: string): CoreEnvelope & { kind: 'Request' | 'Response' } {
  let doc: Record<string, any>;
  try {
    doc = parser.parse(xml) as Record<string, any>;
  } catch {
    throw new CoreEnvelopeError('the body is not well-formed XML');
  }
  const bodyNode = doc?.Envelope?.Body;
  const kind = bodyNode?.COREEnvelopeRealTimeRequest ? 'Request' : bodyNode?.COREEnvelopeRealTimeResponse ? 'Response' : undefined;
  if (!kind) throw new CoreEnvelopeError('not a CORE real-time SOAP envelope');
  const n = bodyNode[`COREEnvelopeRealTime${kind}`] as Record<string, unknown>;
  const text = (k: string) => (n[k] === undefined || n[k] === null ? '' : String(n[k]));
  for (const required of ['PayloadType', 'PayloadID', 'SenderID', 'ReceiverID']) {
    if (!text(required)) throw new CoreEnvelopeError(`the CORE envelope lacks ${required}`);
  }
  return {
    kind,
    payloadType: text('PayloadType'),
    processingMode: text('ProcessingMode') === 'Batch' ? 'Batch' : 'RealTime',
    payloadId: text('PayloadID'),
    timestamp: text('TimeStamp'),
    senderId: text('SenderID'),
    receiverId: text('ReceiverID'),
    coreRuleVersion: text('CORERuleVersion'),
    payload: text('Payload'),
    ...(kind === 'Response' ? { errorCode: text('ErrorCode'), errorMessage: text('ErrorMessage') } : {}),
  };
}

export const SOAP_CONTENT_TYPE = 'application/soap+xml; charset=utf-8';
