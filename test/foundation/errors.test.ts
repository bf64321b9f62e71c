/**
 * The error base and its one mapping (src/errors): every code's HTTP status, FHIR issue type and
 * exit code; what the caller sees of an answer (message, expression, issues, headers) and of a fault
 * or a foreign error (the request id only); the domain errors of every layer on the base; the
 * logger keeping our messages and dropping foreign ones; `onError` and `priorgate` going through it.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogIntegrityError } from '../../src/audit/index.ts';
import { OAuthError } from '../../src/auth/index.ts';
import { main } from '../../src/cli/main.ts';
import { ConfigError } from '../../src/config/index.ts';
import { StoreInUseError } from '../../src/db/client.ts';
import { DecryptError } from '../../src/db/crypto/index.ts';
import { BatchSetupError, ResultsError, RosterError } from '../../src/eligibility/index.ts';
import {
  AppError,
  ERROR_CODES,
  EXIT,
  httpStatusOf,
  IssuesError,
  PriorgateError,
  toExitCode,
  toHttpError,
  toOperationOutcome,
  type AnswerCode,
} from '../../src/errors/index.ts';
import { MAX_OUTCOME_ISSUES, operationOutcome } from '../../src/fhir/outcome.ts';
import type { RouteGroup } from '../../src/http/app.ts';
import { createLogger } from '../../src/log/index.ts';
import { TranslateError } from '../../src/translate/index.ts';
import { ReviewError } from '../../src/requests/index.ts';
import { TransitionError } from '../../src/workflow/states.ts';
import { captureIo } from '../helpers/cli-io.ts';
import { testApp, type TestApp } from '../helpers/app.ts';

const RID = 'rid-0001';
/** What a foreign error's message may hold: a query's parameters, a member id, a secret. */
const LEAK = 'params: W123456789A, Quixotefield, hunter2';

/** code, HTTP status, FHIR issue type, exit code: the public contract, written out. */
const ANSWERS: [AnswerCode, number, string, number][] = [
  ['invalid', 400, 'invalid', 2],
  ['unprocessable', 422, 'processing', 2],
  ['unauthorized', 401, 'login', 2],
  ['forbidden', 403, 'forbidden', 2],
  ['not_found', 404, 'not-found', 2],
  ['conflict', 409, 'conflict', 2],
  ['too_large', 413, 'too-costly', 2],
  ['throttled', 429, 'throttled', 2],
  ['unsupported_media', 415, 'not-supported', 2],
  ['unavailable', 503, 'transient', 1],
  ['internal', 500, 'exception', 1],
];

/** Each fault code, by the error that carries it, and its exit code: over HTTP every one is a bare 500. */
const FAULTS: [string, () => PriorgateError, number][] = [
  ['config', () => new ConfigError('invalid configuration:\n  PORT: must be a whole number'), 2],
  ['store_in_use', () => new StoreInUseError(4242, 8080), 3],
  ['integrity', () => new LogIntegrityError('tree head #7 does not verify (signature): sealing stopped'), 1],
  ['integrity', () => new DecryptError({ table: 'messages', column: 'payload', id: 12 }, 'authentication', 'k1'), 1],
  ['transition', () => new TransitionError('denied', 'sent'), 1],
];

describe('the closed code list', () => {
  it('holds exactly the codes this file specifies (a new code needs its row here)', () => {
    const specified = [...ANSWERS.map(([code]) => code), ...FAULTS.map(([code]) => code)];
    expect(Object.keys(ERROR_CODES).sort()).toEqual([...new Set(specified)].sort());
  });

  for (const [code, status, issue, exit] of ANSWERS) {
    it(`${code}: HTTP ${status} with issue type "${issue}" and the message; exit ${exit}`, () => {
      const e = new AppError(code, `refused as ${code}`);
      const http = toHttpError(e, RID);
      expect(http.status).toBe(status);
      expect(httpStatusOf(e)).toBe(status);
      expect(e.status).toBe(status);
      expect(http.fault).toBe(false);
      expect(http.outcome).toEqual({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: issue, diagnostics: `refused as ${code}` }] });
      expect(toExitCode(e)).toEqual({ exit, message: `refused as ${code}` });
    });
  }

  for (const [code, make, exit] of FAULTS) {
    const err = make();
    it(`${code} (${err.name}): HTTP 500 naming the request id only; exit ${exit} with the message`, () => {
      expect(err.code).toBe(code);
      const http = toHttpError(err, RID);
      expect(http).toEqual({
        status: 500,
        outcome: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: `internal error; quote request id ${RID} when reporting it` }] },
        headers: {},
        fault: true,
      });
      expect(JSON.stringify(http.outcome)).not.toContain(err.message.slice(0, 20));
      expect(toExitCode(err)).toEqual({ exit, message: err.message });
    });
  }
});

describe('what an answer carries', () => {
  it('the FHIRPath expression of the offending element', () => {
    const outcome = toOperationOutcome(new AppError('invalid', 'Claim.insurer is required', 'Bundle.entry[0].resource.insurer'), RID);
    expect(outcome.issue).toEqual([{ severity: 'error', code: 'invalid', diagnostics: 'Claim.insurer is required', expression: ['Bundle.entry[0].resource.insurer'] }]);
  });

  it('its extra headers (WWW-Authenticate, Retry-After); a fault carries none', () => {
    const e = new AppError('unavailable', 'retry shortly', undefined, { 'Retry-After': '5' });
    expect(toHttpError(e, RID).headers).toEqual({ 'Retry-After': '5' });
    expect(toHttpError(new StoreInUseError(1, undefined), RID).headers).toEqual({});
  });

  it('several issues in their order, each with its own expression; the first is the message', () => {
    const issues = [
      { severity: 'error' as const, code: 'required', diagnostics: 'Bundle.identifier is required', expression: ['Bundle.identifier'] },
      { severity: 'error' as const, code: 'value', diagnostics: 'status must be active', expression: ['Bundle.entry[0].resource.status'] },
    ];
    const e = new IssuesError('invalid', issues);
    expect(e.message).toBe('Bundle.identifier is required');
    expect(e.expression).toBe('Bundle.identifier');
    expect(toHttpError(e, RID)).toMatchObject({ status: 400, outcome: { issue: issues } });
  });

  it('never an empty array or string (FHIR JSON has none; OperationOutcome.issue is 1..*)', () => {
    expect(operationOutcome([]).issue).toEqual([{ severity: 'information', code: 'informational', diagnostics: 'no issues' }]);
    expect(operationOutcome([{ severity: 'error', code: 'value', diagnostics: '', expression: [] }]).issue).toEqual([{ severity: 'error', code: 'value' }]);
    const e = new AppError('invalid', 'Claim.insurer is required', 'Bundle.entry[0].resource.insurer');
    Object.assign(e, { issues: [] });
    expect(toOperationOutcome(e, RID).issue).toEqual([{ severity: 'error', code: 'invalid', diagnostics: 'Claim.insurer is required', expression: ['Bundle.entry[0].resource.insurer'] }]);
  });

  it('at most MAX_OUTCOME_ISSUES issues, the last saying how many more there were', () => {
    const issues = Array.from({ length: 150 }, (_, i) => ({ severity: 'error' as const, code: 'value', diagnostics: `problem ${i}` }));
    const outcome = toOperationOutcome(new IssuesError('invalid', issues), RID);
    expect(outcome.issue).toHaveLength(MAX_OUTCOME_ISSUES);
    expect(outcome.issue.at(-1)?.diagnostics).toMatch(/^51 more issues/);
  });
});

describe('an error that is not ours', () => {
  const foreign = [new Error(LEAK), new TypeError(LEAK), Object.assign(new Error(LEAK), { code: '23505', detail: LEAK }), LEAK, undefined];

  it('includes a TranslateError: whose input it was is its catcher\'s call (client-data.ts: 422); uncaught, it is a 500 and exit 1', () => {
    const e = new TranslateError('unprocessable', 'the interchange would be rejected by the payer: interchange error 024', 'Bundle.entry[0].resource');
    expect(e).not.toBeInstanceOf(PriorgateError);
    expect(toHttpError(e, RID)).toMatchObject({ status: 500, fault: true, outcome: { issue: [{ code: 'exception', diagnostics: `internal error; quote request id ${RID} when reporting it` }] } });
    expect(toExitCode(e)).toEqual({ exit: EXIT.failed, message: e.message });
  });

  it('is a 500 naming the request id: no message, code or detail reaches the caller', () => {
    for (const err of foreign) {
      const http = toHttpError(err, RID);
      expect(http.status).toBe(500);
      expect(http.fault).toBe(true);
      expect(http.headers).toEqual({});
      const body = JSON.stringify(http.outcome);
      expect(body).toContain(RID);
      for (const secret of ['W123456789A', 'Quixotefield', 'hunter2', '23505']) expect(body, String(err)).not.toContain(secret);
    }
  });

  it('is exit 1 on the command line, its message on the operator’s terminal; a bad option or a missing file is exit 2', () => {
    expect(toExitCode(new Error('connect ECONNREFUSED 127.0.0.1:5432'))).toEqual({ exit: EXIT.failed, message: 'connect ECONNREFUSED 127.0.0.1:5432' });
    expect(toExitCode('thrown text')).toEqual({ exit: EXIT.failed, message: 'thrown text' });
    expect(toExitCode(undefined)).toEqual({ exit: EXIT.failed, message: 'undefined' });
    const option = Object.assign(new TypeError("Unknown option '--frob'"), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
    expect(toExitCode(option)).toEqual({ exit: EXIT.usage, message: "Unknown option '--frob'" });
    const missing = Object.assign(new Error("ENOENT: no such file or directory, open 'roster.csv'"), { code: 'ENOENT' });
    expect(toExitCode(missing).exit).toBe(EXIT.usage);
    // A Postgres error's SQLSTATE is not an exit-code decision.
    expect(toExitCode(Object.assign(new Error('duplicate key'), { code: '23505' })).exit).toBe(EXIT.failed);
  });
});

describe('the domain errors of every layer', () => {
  it('are PriorgateErrors with PHI-free messages, keeping their names and fields', () => {
    const transition = new TransitionError('denied', 'sent');
    expect(transition).toBeInstanceOf(PriorgateError);
    expect([transition.name, transition.from, transition.to, transition.message]).toEqual(['TransitionError', 'denied', 'sent', 'a request in state denied cannot move to sent']);
    const decrypt = new DecryptError({ table: 'messages', column: 'payload', id: 12 }, 'unknown-key', 'k9');
    expect([decrypt.reason, decrypt.kid, decrypt.at.table]).toEqual(['unknown-key', 'k9', 'messages']);
    const store = new StoreInUseError(4242, 8080);
    expect([store.pid, store.port]).toEqual([4242, 8080]);
    for (const e of [...FAULTS.map(([, make]) => make()), transition, new ReviewError('no such request'), new RosterError('the roster is empty: no header line'), new OAuthError('invalid_scope', 'none granted')]) {
      expect(e, e.name).toBeInstanceOf(PriorgateError);
      expect(e, e.name).toBeInstanceOf(Error);
      expect(e.phiFree, e.name).toBe(true);
    }
  });

  it('refusals the caller must see are AppErrors (a staff page shows them); faults are not', () => {
    for (const e of [new ReviewError('the request is sent, not waiting for review'), new RosterError('line 1: the header lacks member_id'), new ResultsError('out.csv is not a results file'), new BatchSetupError('--npi 123 is not a valid NPI')]) {
      expect(e, e.name).toBeInstanceOf(AppError);
    }
    expect(toHttpError(new ReviewError('the request is sent, not waiting for review'), RID)).toMatchObject({ status: 409, outcome: { issue: [{ code: 'conflict', diagnostics: 'the request is sent, not waiting for review' }] } });
    expect(toExitCode(new RosterError('the roster is empty: no header line')).exit).toBe(EXIT.usage);
    for (const [, make] of FAULTS) expect(make()).not.toBeInstanceOf(AppError);
  });

  it('an OAuth refusal has its code’s status: 401 for invalid_client, 400 otherwise', () => {
    expect(new OAuthError('invalid_client', 'unknown or inactive client').status).toBe(401);
    expect(new OAuthError('invalid_scope', 'none of the requested scopes is granted').status).toBe(400);
    expect(new OAuthError('invalid_request', 'client_assertion is required')).toBeInstanceOf(PriorgateError);
  });
});

describe('the logger', () => {
  it('keeps the message of our errors and drops that of foreign ones', () => {
    const out: string[] = [];
    const log = createLogger({ level: 'info', destination: new Writable({ write: (c, _e, cb) => (out.push(String(c)), cb()) }) as never });
    log.error({ err: new LogIntegrityError('tree head #7 does not verify (signature): sealing stopped') }, 'sealing');
    log.error({ err: new Error(LEAK) }, 'foreign');
    log.flush();
    const [ours, theirs] = out.join('').trim().split('\n').map((l) => JSON.parse(l));
    expect(ours.err).toMatchObject({ type: 'LogIntegrityError', code: 'integrity', message: 'tree head #7 does not verify (signature): sealing stopped' });
    expect(theirs.err.type).toBe('Error');
    expect(JSON.stringify(theirs)).not.toContain('hunter2');
  });
});

describe('through the app and the command line', () => {
  /** Routes that throw what a layer below might. */
  const throwing: RouteGroup = (app) => {
    app.get('/throw/config', () => {
      throw new ConfigError('invalid configuration:\n  PRIORGATE_MFA_KEY: must be 32 bytes');
    });
    app.get('/throw/review', () => {
      throw new ReviewError('the request is decided, not waiting for review');
    });
    app.get('/throw/translate', () => {
      throw new TranslateError('unprocessable', 'the interchange would be rejected by the payer: interchange error 024', 'Bundle.entry[0].resource');
    });
    app.get('/throw/foreign', () => {
      throw new Error(LEAK);
    });
    // What drizzle throws when postgres.js lost the connection under a statement (its cause, the
    // driver's error; the query's parameters in drizzle's message).
    app.get('/throw/lost/:code', (c) => {
      throw Object.assign(new Error(`Failed query: insert into requests … params: ${LEAK}`), { cause: Object.assign(new Error('write CONNECTION_CLOSED'), { code: c.req.param('code') }) });
    });
  };
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ extra: [throwing] });
  });
  afterAll(() => t.close());

  it('onError answers a refusal with its status, issue and message', async () => {
    const res = await t.app.request('http://gateway.test/throw/review');
    const body = await res.text();
    expect(res.status, body).toBe(409);
    expect(res.headers.get('content-type')).toMatch(/application\/fhir\+json/);
    expect(JSON.parse(body).issue).toEqual([{ severity: 'error', code: 'conflict', diagnostics: 'the request is decided, not waiting for review' }]);
  });

  // A failover or restart under a request is no fault of ours, and the caller's to send again.
  for (const code of ['CONNECTION_CLOSED', 'ECONNRESET', '57P01', '08006']) {
    it(`onError answers a database connection lost under the request (${code}) with a 503 and Retry-After, logged as a warning without the query`, async () => {
      const res = await t.app.request(`http://gateway.test/throw/lost/${code}`);
      const body = await res.text();
      const rid = res.headers.get('x-request-id')!;
      expect(res.status, body).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(JSON.parse(body).issue).toEqual([{ severity: 'error', code: 'transient', diagnostics: expect.stringMatching(/lost its database connection.*send it again/) }]);
      expect(body).not.toContain('hunter2');
      const line = t.logText().split('\n').find((l) => l.includes(rid) && l.includes('database connection lost under a request'));
      expect(line, t.logText().slice(-2000)).toBeDefined();
      expect(JSON.parse(line!)).toMatchObject({ level: expect.anything(), code });
      expect(line).not.toContain('hunter2');
    });
  }

  it('onError keeps a database error that is not a lost connection a 500 fault', async () => {
    const res = await t.app.request('http://gateway.test/throw/lost/23505');
    expect(res.status).toBe(500);
    expect(res.headers.get('retry-after')).toBeNull();
  });

  for (const what of ['config', 'translate', 'foreign']) {
    it(`onError answers a ${what} fault with a 500 naming the request id; the log has the rest`, async () => {
      const res = await t.app.request(`http://gateway.test/throw/${what}`);
      const body = await res.text();
      const rid = res.headers.get('x-request-id')!;
      expect(res.status, body).toBe(500);
      expect(JSON.parse(body).issue).toEqual([{ severity: 'error', code: 'exception', diagnostics: `internal error; quote request id ${rid} when reporting it` }]);
      expect(body).not.toMatch(/PRIORGATE_MFA_KEY|interchange error|hunter2/);
      const line = t.logText().split('\n').find((l) => l.includes(rid) && l.includes('unhandled error'));
      expect(line, t.logText().slice(-2000)).toBeDefined();
      expect(line).not.toContain('hunter2');
    });
  }

  it('priorgate exits 2 with the message for a ConfigError, through the same mapping', async () => {
    const c = captureIo({ env: { PORT: 'eighty' } });
    const code = await main(['migrate'], c.io);
    expect(code, c.stderr()).toBe(2);
    expect(c.stderr()).toMatch(/^priorgate migrate: invalid configuration:\n\s+PORT: /);
  });
});
