// Redaction of secrets in log values and metric labels (pure).
import { describe, expect, it } from 'vitest';
import {
  isSecretKey,
  REDACTED,
  redactText,
  redactUrl,
  redactValue,
  stripUrlCredentials,
} from '../../src/observe/redact.js';

describe('redaction', () => {
  it('removes user:pass@ from repository URLs', () => {
    expect(stripUrlCredentials('https://bot:tok-123@git.example.com/org/repo.git')).toBe(
      'https://git.example.com/org/repo.git',
    );
    expect(stripUrlCredentials('https://git.example.com/org/repo.git')).toBe(
      'https://git.example.com/org/repo.git',
    );
    expect(stripUrlCredentials('ssh://git@host:22/x.git')).toBe('ssh://host:22/x.git');
    expect(redactUrl('http://u:p@h/x')).toBe('http://***@h/x');
    expect(stripUrlCredentials('/srv/git/repo.git')).toBe('/srv/git/repo.git');
  });

  it('redacts URL credentials and bearer tokens inside free text', () => {
    expect(redactText('fetch https://bot:tok-123@h/r.git failed')).toBe('fetch https://***@h/r.git failed');
    expect(redactText('Authorization: Bearer abcdef123456')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redactText('nothing secret here')).toBe('nothing secret here');
  });

  it('knows secret keys, and the few that only look like one', () => {
    for (const k of [
      'token',
      'adminToken',
      'password',
      'authorization',
      'Authorization',
      'webhookSecret',
      'secret',
      'cookie',
      'x-hub-signature-256',
    ]) {
      expect(isSecretKey(k), k).toBe(true);
    }
    for (const k of ['secretName', 'secretRef', 'name', 'reason', 'imagePullSecrets']) {
      expect(isSecretKey(k), k).toBe(false);
    }
  });

  it('redacts nested values, Secret data, errors and cycles without touching the input', () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { password: 'cGFzcw==' },
      stringData: { a: 'b' },
    };
    const input: Record<string, unknown> = {
      req: { headers: { authorization: 'Bearer xyz', host: 'h' } },
      creds: { username: 'bot', password: 'hunter2' },
      repo: 'https://bot:hunter2@h/r.git',
      obj: secret,
      cm: { kind: 'ConfigMap', data: { k: 'visible' } },
      err: new Error('clone of https://u:hunter2@h/x failed', {
        cause: new Error('token abcdefgh123 rejected'),
      }),
      n: 3,
      flags: { tokenCount: 5 },
    };
    input.self = input;
    const out = redactValue(input) as Record<string, any>;
    const text = JSON.stringify(out);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('xyz');
    expect(text).not.toContain('cGFzcw==');
    expect(text).not.toContain('abcdefgh123');
    expect(out.req.headers).toEqual({ authorization: REDACTED, host: 'h' });
    expect(out.creds).toEqual({ username: 'bot', password: REDACTED });
    expect(out.obj.data).toBe(REDACTED);
    expect(out.obj.metadata.name).toBe('s');
    expect(out.cm.data).toEqual({ k: 'visible' });
    expect(out.err.message).toBe('clone of https://***@h/x failed');
    expect(out.err.type).toBe('Error');
    expect(out.n).toBe(3);
    expect(out.flags).toEqual({ tokenCount: 5 });
    expect(out.self).toBe('[circular]');
    expect((input.creds as any).password).toBe('hunter2');
  });
});
