/** A plain page with one message (403, 404, expired form). */
import type { StaffPrincipal } from '../types.ts';
import { documentOf, Page } from './layout.tsx';

export function messagePage(p: { staff?: StaffPrincipal; title: string; text: string }) {
  return documentOf(
    <Page title={p.title} staff={p.staff}>
      <h1>{p.title}</h1>
      <p>{p.text}</p>
      <p>
        <a href="/ui">Back to the worklist</a>
      </p>
    </Page>,
  );
}
