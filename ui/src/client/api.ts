// The dashboard's HTTP edge: same-origin fetches with the bearer token kept in sessionStorage.
// A 401 forgets the token and tells the app to show the login form. Errors carry the Kubernetes
// Status message.

const TOKEN_KEY = 'gantry.token';
const listeners = new Set<() => void>();

export function getToken(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function setToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
  for (const l of listeners) {
    l();
  }
}

export function clearToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  for (const l of listeners) {
    l();
  }
}

/** Calls `fn` whenever the token is set or cleared; returns the unsubscribe function. */
export function onTokenChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  let message = text.trim() || res.statusText;
  try {
    const st = JSON.parse(text) as { message?: string };
    if (st.message) {
      message = st.message;
    }
  } catch {
    // a plain-text body
  }
  return new ApiError(res.status, `${res.status}: ${message}`);
}

/** fetch() with the token; throws ApiError on a non-2xx answer (and logs out on 401). */
export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = getToken();
  if (token) {
    headers.set('Authorization', `Bearer ${token}`);
  }
  if (!headers.has('Accept')) {
    headers.set('Accept', 'application/json');
  }
  const res = await fetch(path, { ...init, headers });
  if (res.status === 401) {
    clearToken();
  }
  if (!res.ok) {
    throw await errorOf(res);
  }
  return res;
}

/**
 * A GET with the token, parsed as JSON. A read cut by the network (fetch rejects with a TypeError —
 * e.g. Chromium's ERR_NETWORK_CHANGED, which a browser on a `gantry up` host sees whenever the agent
 * wires a pod) is repeated twice after a short pause; HTTP errors and aborts are not.
 */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await apiFetch(path, signal ? { signal } : {});
      return (await res.json()) as T;
    } catch (e) {
      if (!(e instanceof TypeError) || signal?.aborted || attempt >= 2) {
        throw e;
      }
      await new Promise((r) => setTimeout(r, 250 * (attempt + 1)));
    }
  }
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const res = await apiFetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  return (await res.json()) as T;
}

export async function patchMerge<T>(path: string, body: unknown): Promise<T> {
  const res = await apiFetch(path, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/merge-patch+json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as T;
}
