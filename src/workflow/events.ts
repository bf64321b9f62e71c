/**
 * Waiting for a request's answer: an in-process signal when this process moved the request, with a
 * database poll underneath so an answer recorded by another instance is seen too.
 */
import { EventEmitter } from 'node:events';
import type { Db } from '../db/client.ts';
import { requestById, type RequestRow } from '../db/queries/requests.ts';
import { isAnswered, type RequestState } from './states.ts';

export class RequestEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  /** Call after the transaction that changed the request has committed. */
  changed(requestId: string) {
    this.emitter.emit(requestId);
  }

  /**
   * Resolves with the request once it is answered (pended by the payer or decided), or with its
   * current row when `ms` pass first. This process's own changes wake it at once; the poll (every
   * `pollMs`) is for answers recorded by another instance.
   */
  async waitForAnswer(db: Db, requestId: string, ms: number, pollMs = 2000): Promise<RequestRow | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const row = await requestById(db, requestId);
      if (!row || isAnswered(row.status as RequestState)) return row;
      const left = deadline - Date.now();
      if (left <= 0) return row;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.emitter.off(requestId, done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(left, pollMs));
        this.emitter.on(requestId, done);
      });
    }
  }
}
