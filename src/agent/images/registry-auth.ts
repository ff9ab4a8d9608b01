// Registry authentication pieces: parsing `WWW-Authenticate` challenges and building the token
// request of the Docker/OCI token protocol. Pure.

export interface AuthChallenge {
  /** Lowercase scheme: `bearer`, `basic`, … */
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Parses a `WWW-Authenticate` value (RFC 7235), which may carry several challenges:
 * `Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"`.
 */
export function parseChallenges(header: string): AuthChallenge[] {
  const out: { scheme: string; params: Record<string, string> }[] = [];
  let i = 0;
  const n = header.length;
  const skipSpaces = () => {
    while (i < n && (header[i] === ' ' || header[i] === '\t')) {
      i++;
    }
  };
  const readToken = () => {
    const start = i;
    while (i < n && /[A-Za-z0-9!#$%&'*+.^_`|~-]/.test(header[i]!)) {
      i++;
    }
    return header.slice(start, i);
  };
  while (i < n) {
    skipSpaces();
    if (header[i] === ',') {
      i++;
      continue;
    }
    const scheme = readToken();
    if (scheme === '') {
      i++;
      continue;
    }
    const current = { scheme: scheme.toLowerCase(), params: {} as Record<string, string> };
    out.push(current);
    // Parameters: name=value or name="quoted", separated by commas, until the next scheme.
    for (;;) {
      skipSpaces();
      const save = i;
      const name = readToken();
      skipSpaces();
      if (name === '' || header[i] !== '=') {
        i = save;
        break;
      }
      i++;
      skipSpaces();
      let value = '';
      if (header[i] === '"') {
        i++;
        while (i < n && header[i] !== '"') {
          if (header[i] === '\\' && i + 1 < n) {
            i++;
          }
          value += header[i];
          i++;
        }
        i++;
      } else {
        value = readToken();
      }
      current.params[name.toLowerCase()] = value;
      skipSpaces();
      if (header[i] === ',') {
        i++;
      }
    }
  }
  return out;
}

/** The token endpoint URL for a bearer challenge: realm + service + scope(s). */
export function tokenUrl(challenge: AuthChallenge, fallbackScope: string): URL {
  const realm = challenge.params.realm;
  if (!realm) {
    throw new Error('bearer challenge has no realm');
  }
  const url = new URL(realm);
  if (challenge.params.service) {
    url.searchParams.set('service', challenge.params.service);
  }
  const scope = challenge.params.scope ?? fallbackScope;
  for (const s of scope.split(' ').filter((x) => x !== '')) {
    url.searchParams.append('scope', s);
  }
  return url;
}

export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** Reads the token out of a token endpoint's JSON answer (`token` or the OAuth2 `access_token`). */
export function tokenFromResponse(body: unknown): { token: string; expiresInSec: number } | undefined {
  if (typeof body !== 'object' || body === null) {
    return undefined;
  }
  const b = body as Record<string, unknown>;
  const token = typeof b.token === 'string' && b.token !== '' ? b.token : b.access_token;
  if (typeof token !== 'string' || token === '') {
    return undefined;
  }
  const expires = typeof b.expires_in === 'number' && b.expires_in > 0 ? b.expires_in : 60;
  return { token, expiresInSec: expires };
}
