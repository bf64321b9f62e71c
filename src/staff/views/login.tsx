/** The login form. */
import { documentOf, Page } from './layout.tsx';

export function loginPage(p: { csrf: string; next: string; error?: string; username?: string }) {
  return documentOf(
    <Page title="Sign in">
      <section class="login">
        <h1>Staff sign-in</h1>
        {p.error ? (
          <p class="error" role="alert">
            {p.error}
          </p>
        ) : null}
        <form method="post" action={`/ui/login?next=${encodeURIComponent(p.next)}`}>
          <input type="hidden" name="_csrf" value={p.csrf} />
          <label>
            Username
            <input name="username" autocomplete="username" required value={p.username ?? ''} autofocus />
          </label>
          <label>
            Password
            <input name="password" type="password" autocomplete="current-password" required />
          </label>
          <button type="submit">Sign in</button>
        </form>
      </section>
    </Page>,
  );
}
