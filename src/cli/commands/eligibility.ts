/**
 * `priorgate eligibility batch ROSTER.csv|- --payer ID [--out FILE] [--concurrency N]
 *  [--org ORG | --npi NPI [--provider-name NAME]] [--endpoint URL]`
 *
 * Checks every member of a roster (CSV header `member_id,first_name,last_name,birth_date[,service_type]`)
 * with one 270 each, straight through the payer's connector, and writes one result row per roster
 * row to FILE (stdout without --out). Re-running on the same FILE resumes: rows already there are
 * skipped, failed and invalid ones done again. Progress and bad rows (with line numbers) go to
 * stderr. The run is audited (start and finish, counts only). Exit 0 when every row got an answer
 * from the payer, 1 when some failed or were invalid (or the run was interrupted), 2 bad usage.
 */
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { recordAudit } from '../../audit/index.ts';
import { loadConfig, type Config } from '../../config/index.ts';
import type { Database } from '../../db/client.ts';
import { nextControlNumbers } from '../../db/queries/control-numbers.ts';
import { AppError } from '../../errors/index.ts';
import {
  ControlNumberBlocks, countLines, eligibilityChannel, openResults, progressView, ResultsError, RosterError, runEligibilityBatch,
  streamResults, summaryText, type RosterProblem, BatchSetupError, endpointFor, receiverFor, unreachableCause,
} from '../../eligibility/index.ts';
import { CircuitBreaker } from '../../payers/breaker.ts';
import { connectorFor } from '../../payers/connector.ts';
import { payerTls } from '../../payers/tls.ts';
import { loadPayers, type PayerConfig } from '../../rules/payers.ts';
import { withDatabase } from '../database.ts';
import { type CliIo, EXIT, println } from '../io.ts';
import { usageOf } from '../help.ts';

const USAGE = usageOf('eligibility');

/** A bad option value or an unusable payer for this command (exit 2, like the errors it is caught with). */
class UsageError extends AppError {
  override name = 'UsageError';
  constructor(message: string) {
    super('invalid', message);
  }
}

const OPTIONS = {
  payer: { type: 'string' },
  out: { type: 'string' },
  concurrency: { type: 'string' },
  org: { type: 'string' },
  npi: { type: 'string' },
  'provider-name': { type: 'string' },
  endpoint: { type: 'string' },
} as const;

function onSignals(controller: AbortController, io: CliIo): () => void {
  const stop = () => {
    if (controller.signal.aborted) process.exit(EXIT.failed);
    println(io.stderr, '\nstopping: finishing the checks in flight (interrupt again to quit at once)');
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
}

/**
 * What the command line asks for, checked before anything is opened: the roster file, the payer
 * (in the rules, taking X12 270s) and the concurrency. A usage error is answered at once, not after
 * the store has been opened (seconds for the embedded store).
 */
function batchArguments(file: string, v: Record<string, string | undefined>, config: Config): { payer: PayerConfig; concurrency: number } {
  if (file !== '-' && !existsSync(file)) throw new UsageError(`cannot read the roster ${file}`);
  const payer = loadPayers(`${config.rulesDir}/payers`).payers.find((p) => p.id === v.payer);
  if (!payer) throw new UsageError(`no payer "${v.payer}" in ${config.rulesDir}/payers`);
  if (!payer.x12) throw new UsageError(`payer "${payer.id}" takes no X12 270 (connector ${payer.connector})`);
  const concurrency = Number(v.concurrency ?? payer.maxConcurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new UsageError('--concurrency must be 1-256');
  return { payer, concurrency };
}

async function batch(file: string, v: Record<string, string | undefined>, io: CliIo, database: Database, config: Config, wanted: { payer: PayerConfig; concurrency: number }, checked: boolean): Promise<number> {
  const { payer, concurrency } = wanted;
  const endpoint = await endpointFor(database.db, payer, v.endpoint);
  // Nothing to check against: one line with the cause, no results file, no 20 rows of failures.
  const cause = checked ? undefined : await unreachableCause(endpoint);
  if (cause) {
    println(io.stderr, `eligibility batch: cannot reach payer ${payer.id} at ${endpoint}: ${cause}`);
    return EXIT.failed;
  }
  const receiver = await receiverFor(database.db, config.x12SenderId, { ...v, ...(v['provider-name'] ? { providerName: v['provider-name'] } : {}) });
  const runId = `B${Date.now().toString(36).toUpperCase()}-`;
  const check = eligibilityChannel({
    payer,
    connector: connectorFor(payer, endpoint, payerTls(payer, { baseDir: `${config.rulesDir}/payers`, env: config.env, caPem: config.caPem })),
    breaker: new CircuitBreaker(payer.circuitBreaker.failures, payer.circuitBreaker.resetMs),
    senderId: config.x12SenderId,
    receiver,
    numbers: new ControlNumberBlocks((kind, count) => nextControlNumbers(database.db, config.x12SenderId, kind, count), 500),
    runId,
  });
  const results = v.out ? await openResults(v.out) : streamResults(io.stdout);
  const total = file === '-' ? undefined : await countLines(createReadStream(file));
  const audit = (action: string, detail: Record<string, unknown>) =>
    recordAudit(database.db, { actor: 'operator', action, entityType: 'eligibility-batch', entityId: runId, detail: { payerId: payer.id, roster: file === '-' ? 'stdin' : path.basename(file), ...detail } });
  await audit('eligibility.batch.start', { resumed: results.resumed, retried: results.retried });

  const tty = Boolean((io.stderr as { isTTY?: boolean }).isTTY);
  const held: RosterProblem[] = [];
  const report = (p: RosterProblem) => println(io.stderr, `line ${p.line}${p.memberId ? ` (member ${p.memberId})` : ''}: ${p.message}`);
  const view = progressView(io.stderr, total);
  const controller = new AbortController();
  const release = onSignals(controller, io);
  let summary;
  try {
    summary = await runEligibilityBatch({
      roster: file === '-' ? io.stdin : createReadStream(file),
      results,
      check,
      concurrency,
      ...(total !== undefined ? { total } : {}),
      signal: controller.signal,
      onProgress: (p) => view.update(p),
      // On a terminal the bar owns the last line: problems are listed after it.
      onProblem: (p) => (tty ? held.length < 200 && held.push(p) : report(p)),
    });
  } finally {
    release();
    view.stop();
    await results.close();
  }
  held.forEach(report);
  const { elapsedMs: _e, total: _t, ...counts } = summary;
  await audit('eligibility.batch.finish', { ...counts, outcome: summary.allChecked ? 'complete' : 'incomplete' });
  if (summary.unreachable) println(io.stderr, `eligibility batch: stopped: payer ${payer.id} at ${endpoint} did not answer: ${summary.unreachable}`);
  println(io.stderr, summaryText(summary, v.out));
  return summary.allChecked ? EXIT.ok : EXIT.failed;
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: OPTIONS });
  const file = positionals[0];
  if (sub !== 'batch' || !file || !values.payer || positionals.length > 1) {
    println(io.stderr, USAGE);
    return EXIT.usage;
  }
  try {
    // The arguments are checked, and an endpoint known without the database (--endpoint, or the
    // payer's rules file) is tried, before the store is opened: a usage error or a payer that cannot
    // be reached fails at once.
    if (values.endpoint && !URL.canParse(values.endpoint)) throw new UsageError(`--endpoint ${values.endpoint} is not a URL (e.g. https://payer.example/core)`);
    const config = loadConfig(io.env);
    const wanted = batchArguments(file, values, config);
    const known = values.endpoint ?? wanted.payer.endpoint;
    const cause = known ? await unreachableCause(known) : undefined;
    if (cause) {
      println(io.stderr, `eligibility batch: cannot reach payer ${values.payer} at ${known}: ${cause}`);
      return EXIT.failed;
    }
    return await withDatabase(io, (database, config) => batch(file, values, io, database, config, wanted, Boolean(known)));
  } catch (e) {
    if (e instanceof UsageError || e instanceof BatchSetupError || e instanceof RosterError || e instanceof ResultsError) {
      println(io.stderr, `eligibility batch: ${e.message}`);
      return EXIT.usage;
    }
    throw e;
  }
}
