/**
 * Undelivered payer answers: late 278s that fit no request of exactly one organization. Staff of an
 * organization an answer names see that one is waiting for their request (never its content: it
 * may be another organization's); an administrator with no organization sees the decision codes
 * and applies it to the request it answers.
 */
import type { UnmatchedRow } from '../../db/queries/unmatched.ts';
import { stamp } from '../time.ts';
import type { StaffPrincipal } from '../types.ts';
import { documentOf, Page } from './layout.tsx';

export interface UnmatchedEntry {
  row: UnmatchedRow;
  /** The candidate requests the viewer may open (their organization's, or all for a global admin). */
  requests: string[];
  /** HCR01 decision codes of the 278, for a viewer who may apply it; undefined otherwise. */
  decisions?: string[];
}

const REASONS: Record<string, string> = {
  ambiguous: 'fits requests of more than one organization, so it was not applied (an answer is never delivered across organizations)',
  'no-match': 'names no request the gateway knows (its trace number matches none)',
  failed: 'could not be recorded, on the gateway\'s side, however often it was tried; it is kept here so it is not lost',
};

export function unmatchedPage(p: { staff: StaffPrincipal; entries: UnmatchedEntry[]; canApply: boolean; notice?: string }) {
  return documentOf(
    <Page title="Undelivered payer answers" staff={p.staff} nav="worklist">
      <h1>Undelivered payer answers</h1>
      {p.notice ? <p class="notice">{p.notice}</p> : null}
      <p>
        A payer answered later than the request's wait, and the answer could not be matched to exactly one request. The requests it may belong to keep their state
        until it is applied.{' '}
        {p.canApply
          ? 'Check the decision with the payer if in doubt, then apply it to the request it answers.'
          : 'An administrator without an organization can apply it to the right request; you can also ask the payer to check and resend its decision.'}
      </p>
      {p.entries.length === 0 ? (
        <p id="no-unmatched">No undelivered payer answers.</p>
      ) : (
        <table class="unmatched">
          <thead>
            <tr>
              <th>Received</th>
              <th>Payer</th>
              <th>Interchange</th>
              <th>Why</th>
              <th>Requests</th>
              {p.canApply ? <th>Apply</th> : null}
            </tr>
          </thead>
          <tbody>
            {p.entries.map(({ row, requests, decisions }) => (
              <tr id={`unmatched-${row.messageId}`}>
                <td>{stamp(row.createdAt)}</td>
                <td>{row.payerId}</td>
                <td class="mono">{row.controlNumber ?? '—'}</td>
                <td>
                  The answer {REASONS[row.reason] ?? row.reason}.{decisions?.length ? ` Decision: ${decisions.join(', ')}.` : ''}
                </td>
                <td>
                  {requests.length
                    ? requests.map((id) => (
                        <span>
                          <a href={`/ui/requests/${id}`} class="mono">
                            {id.slice(0, 8)}
                          </a>{' '}
                        </span>
                      ))
                    : '—'}
                </td>
                {p.canApply ? (
                  <td>
                    <form method="post" action={`/ui/unmatched/${row.messageId}/apply`}>
                      <input type="hidden" name="_csrf" value={p.staff.csrf} />
                      <label>
                        Request id <input name="requestId" value={requests.length === 1 ? requests[0] : ''} required size={38} />
                      </label>{' '}
                      <button type="submit">Apply</button>
                    </form>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>,
  );
}
