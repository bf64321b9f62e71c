/**
 * net: outbound connections made safely. SSRF rules for URLs others choose (address ranges,
 * endpoint vetting, a DNS-pinned guarded request), one request primitive with deadlines and size
 * caps, and TLS material (trust anchors, client certificates). Imports nothing else of ours.
 */
export { blockedReason, ipv6Bytes } from './ip-ranges.ts';
export { isEndpointAllowed, vetEndpoint, checkAddresses, normalizeHost, systemResolver, type EndpointVerdict, type Resolver } from './endpoint-safety.ts';
export { sendRequest, errorCode, RefusedError, type OutboundRequest, type OutboundResult } from './request.ts';
export { fetchVia } from './fetch.ts';
export { guardedRequest, guardedLookup, type GuardedRequest } from './guarded-request.ts';
export { keepAliveAgent, localClientTls, readPem, trustAnchors, TlsConfigError, MIN_TLS_VERSION, type TlsMaterial } from './tls.ts';
