// The login form: one password field for the bearer token (the same tokens as the Kubernetes API).
import { type FormEvent, useState } from 'react';
import { setToken } from '../client/api.js';

export function LoginPage() {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | undefined>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const token = value.trim();
    if (!token) {
      setError('Token: enter the token from your kubeconfig or from `gantry up`.');
      return;
    }
    const res = await fetch('/apis/argoproj.io/v1alpha1/namespaces/gantry/applications?limit=1', {
      headers: { Authorization: `Bearer ${token}` },
    }).catch(() => undefined);
    if (res?.status === 401) {
      setError('Token: not accepted by the server.');
      return;
    }
    setToken(token);
  };
  return (
    <section className="login" aria-labelledby="login-title">
      <h1 id="login-title">Sign in to Gantry</h1>
      <p>Paste a bearer token: the one in your kubeconfig, or the link `gantry up` printed.</p>
      <form onSubmit={submit} noValidate>
        <label htmlFor="token">Token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="current-password"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'token-error' : undefined}
        />
        {error ? (
          <p id="token-error" className="error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="primary">
          Sign in
        </button>
      </form>
    </section>
  );
}
