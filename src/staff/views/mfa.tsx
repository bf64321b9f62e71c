/** The MFA pages: the code step of a sign-in, TOTP enrolment (QR + secret), recovery codes (once). */
import type { EnrolmentMaterial } from '../mfa.ts';
import type { StaffPrincipal } from '../types.ts';
import { documentOf, Page } from './layout.tsx';

const withNext = (path: string, next?: string) => (next ? `${path}?next=${encodeURIComponent(next)}` : path);

/** "Cancel" on a half-signed-in page ends that session. */
function Cancel(p: { csrf: string }) {
  return (
    <form method="post" action="/ui/logout" class="cancel">
      <input type="hidden" name="_csrf" value={p.csrf} />
      <button type="submit">Cancel and sign out</button>
    </form>
  );
}

export function mfaPage(p: { csrf: string; next?: string; error?: string }) {
  return documentOf(
    <Page title="Verification code">
      <section class="login">
        <h1>Verification code</h1>
        {p.error ? (
          <p class="error" role="alert">
            {p.error}
          </p>
        ) : null}
        <form method="post" action={withNext('/ui/mfa', p.next)}>
          <input type="hidden" name="_csrf" value={p.csrf} />
          <label>
            Code from your authenticator app, or one of your recovery codes
            <input name="code" autocomplete="one-time-code" required autofocus maxlength={40} />
          </label>
          <button type="submit">Verify</button>
        </form>
        <Cancel csrf={p.csrf} />
      </section>
    </Page>,
  );
}

/** Groups of four, easier to type into an app by hand. */
const grouped = (secret: string) => secret.match(/.{1,4}/g)!.join(' ');

export function enrolPage(p: { staff?: StaffPrincipal; csrf: string; next?: string; material: EnrolmentMaterial; required: boolean; error?: string }) {
  return documentOf(
    <Page title="Set up two-step verification" staff={p.staff}>
      <section class="enrol">
        <h1>Set up two-step verification</h1>
        {p.required ? <p class="notice">Your role requires a second factor. Set it up to continue.</p> : null}
        {p.error ? (
          <p class="error" role="alert">
            {p.error}
          </p>
        ) : null}
        <ol>
          <li>
            Scan this code with an authenticator app (any app that supports TOTP):
            <br />
            <img class="qr" src={p.material.qr} alt="QR code of the TOTP secret" width="240" height="240" />
          </li>
          <li>
            Or type the secret: <code id="mfa-secret">{grouped(p.material.secret)}</code> (time-based, 6 digits, 30 s)
          </li>
          <li>
            <form method="post" action={withNext('/ui/mfa/enrol', p.next)}>
              <input type="hidden" name="_csrf" value={p.csrf} />
              <label>
                Enter the code the app shows now
                <input name="code" autocomplete="one-time-code" inputmode="numeric" pattern="[0-9 ]{6,7}" required maxlength={7} />
              </label>{' '}
              <button type="submit">Confirm</button>
            </form>
          </li>
        </ol>
        {p.staff ? null : <Cancel csrf={p.csrf} />}
      </section>
    </Page>,
  );
}

export function recoveryCodesPage(p: { staff: StaffPrincipal; codes: string[]; next: string }) {
  return documentOf(
    <Page title="Recovery codes" staff={p.staff}>
      <h1>Two-step verification is on</h1>
      <p>
        Keep these recovery codes somewhere safe. Each one works <strong>once</strong> instead of a code from the app, if you lose your
        phone. They are shown only now.
      </p>
      <ol id="recovery-codes" class="recovery">
        {p.codes.map((c) => (
          <li>
            <code>{c}</code>
          </li>
        ))}
      </ol>
      <p>
        <a id="continue" href={p.next}>
          Continue
        </a>
      </p>
    </Page>,
  );
}
