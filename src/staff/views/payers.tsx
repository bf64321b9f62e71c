/** The payer directory page: the same Organizations `GET /fhir/Organization` serves, as a table. */
import { DIRECTORY_EXT, type Organization } from '../../fhir/payer-directory.ts';
import type { StaffPrincipal } from '../types.ts';
import { documentOf, Page } from './layout.tsx';

type Ext = { url: string; valueCode?: string; valueDecimal?: number; valueBoolean?: boolean; valueDuration?: { value: number }; extension?: Ext[] };

const exts = (o: Organization, name: string) => ((o['extension'] ?? []) as Ext[]).filter((e) => e.url === `${DIRECTORY_EXT}${name}`);
const sub = (e: Ext, url: string) => e.extension?.find((x) => x.url === url);

function Timeframes(p: { o: Organization }) {
  return (
    <>
      {exts(p.o, 'payer-decision-timeframe').map((e) => (
        <div>
          {sub(e, 'urgency')?.valueCode}: {sub(e, 'hours')?.valueDecimal} h ({sub(e, 'source')?.valueCode})
        </div>
      ))}
    </>
  );
}

export function payersPage(p: { staff: StaffPrincipal; payers: Organization[] }) {
  return documentOf(
    <Page title="Payer directory" staff={p.staff} nav="payers">
      <h1>Payer directory</h1>
      <p class="meta">
        Where the gateway routes prior authorizations and eligibility checks. Provider systems read the same directory as FHIR at{' '}
        <a href="/fhir/Organization">/fhir/Organization</a>.
      </p>
      <table>
        <thead>
          <tr>
            <th>Payer</th>
            <th>Id</th>
            <th>Transactions</th>
            <th>Decision due</th>
            <th>$submit waits</th>
          </tr>
        </thead>
        <tbody>
          {p.payers.map((o) => (
            <tr>
              <td>{String(o['name'] ?? '')}</td>
              <td>{o.id}</td>
              <td>{exts(o, 'payer-transaction').map((e) => e.valueCode).join(', ')}</td>
              <td>
                <Timeframes o={o} />
              </td>
              <td>{exts(o, 'payer-sync-wait')[0]?.valueDuration?.value} s</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Page>,
  );
}
