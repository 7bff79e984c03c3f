/** Asks for kadr's API token (a server listening beyond loopback requires one) and checks it. */
import { useState } from 'preact/hooks';
import { api, errorText, setToken } from '../api/client';
import { ErrorMessage } from './field';

export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setToken(value.trim());
    try {
      await api('GET', '/api/cameras');
      onSignedIn();
    } catch (error) {
      setToken('');
      setError(`${errorText(error)}. Use the value of KADR_API_TOKEN that kadr was started with.`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="sign-in" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in</h1>
      <p>This kadr asks for its API token (KADR_API_TOKEN). It is kept in this tab only.</p>
      <form onSubmit={submit}>
        <label for="token">API token</label>
        <input
          id="token"
          type="password"
          autocomplete="current-password"
          value={value}
          onInput={(e) => setValue(e.currentTarget.value)}
        />
        <button type="submit" disabled={busy || !value.trim()}>
          Sign in
        </button>
      </form>
      <ErrorMessage text={error} />
    </section>
  );
}
