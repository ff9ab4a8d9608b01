// Keeping secrets out of logs and metric labels (pure). Values under secret-looking keys
// (token, password, authorization, webhook secret, …), the data of Secret objects, `user:pass@`
// inside URLs and `Bearer …` credentials inside strings are replaced by a marker.

export const REDACTED = '[redacted]';

const SECRET_KEY =
  /^(?:.*(?:token|password|passwd|secret|authorization|credential|apikey|api_key|privatekey|private_key)s?|cookie|set-cookie|x-hub-signature(?:-256)?|pass)$/i;
/** Keys that look secret but are not (a Secret's name, a secret reference, token counts). */
const NOT_SECRET_KEY =
  /^(?:secretName|secretRef|secretKeyRef|tokenCount|tokens?Used|imagePullSecrets|secretNamespace)$/;

/** Whether a key's value must never be logged. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !NOT_SECRET_KEY.test(key);
}

/** `scheme://` followed by `user[:password]@`. */
const URL_CREDENTIALS = /^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i;

/** The URL with any `user[:password]@` removed: `https://host/org/repo` (for metric labels). */
export function stripUrlCredentials(url: string): string {
  return url.replace(URL_CREDENTIALS, '$1');
}

/** The URL with any `user[:password]@` replaced by `***@` (still shows that credentials were there). */
export function redactUrl(url: string): string {
  return url.replace(URL_CREDENTIALS, '$1***@');
}

/** Redacts URL credentials and bearer/basic tokens anywhere inside free text. */
export function redactText(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s'"]*@/gi, '$1***@')
    .replace(/\b(Bearer|Basic|token)(\s+)[A-Za-z0-9._~+/=-]{6,}/g, `$1$2${REDACTED}`);
}

function isSecretObject(o: Record<string, unknown>): boolean {
  return o.kind === 'Secret' && (o.apiVersion === 'v1' || o.apiVersion === undefined);
}

/**
 * A copy of a log value with every secret replaced (depth-limited; cycles end as '[circular]').
 * Errors become `{ type, message, stack }` with their text redacted.
 */
export function redactValue(v: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof v === 'string') {
    return redactText(v);
  }
  if (v === null || typeof v !== 'object') {
    return v;
  }
  if (seen.has(v)) {
    return '[circular]';
  }
  if (depth > 8) {
    return '[…]';
  }
  seen.add(v);
  if (v instanceof Error) {
    const out: Record<string, unknown> = {
      type: v.name,
      message: redactText(v.message),
      ...(v.stack ? { stack: redactText(v.stack) } : {}),
    };
    if (v.cause !== undefined) {
      out.cause = redactValue(v.cause, depth + 1, seen);
    }
    for (const [k, x] of Object.entries(v)) {
      if (!(k in out)) {
        out[k] = isSecretKey(k) ? REDACTED : redactValue(x, depth + 1, seen);
      }
    }
    return out;
  }
  if (Array.isArray(v)) {
    return v.map((x) => redactValue(x, depth + 1, seen));
  }
  if (v instanceof Date || Buffer.isBuffer(v)) {
    return v;
  }
  const o = v as Record<string, unknown>;
  const secretObject = isSecretObject(o);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) {
    if (x === undefined) {
      continue;
    }
    if (
      (isSecretKey(k) && typeof x !== 'boolean' && typeof x !== 'number') ||
      (secretObject && (k === 'data' || k === 'stringData'))
    ) {
      out[k] = REDACTED;
    } else {
      out[k] = redactValue(x, depth + 1, seen);
    }
  }
  return out;
}
