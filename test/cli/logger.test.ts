// The CLI logger: format from GANTRY_LOG_FORMAT or the terminal, JSON lines or pretty text on the
// given stream, and no secret in any line (captured output).
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, logFormat, logLevel } from '../../src/cli/logger.js';

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

function logSecrets(log: ReturnType<typeof createLogger>): void {
  log.info(
    {
      token: 'tok-AAA',
      headers: { authorization: 'Bearer tok-BBB' },
      repo: 'https://bot:tok-CCC@git.example.com/r.git',
      webhook: { secret: 'tok-DDD' },
      object: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'db' },
        data: { password: 'dG9rLUVFRQ==' },
      },
      err: new Error('push to https://x:tok-FFF@h/r.git failed'),
    },
    'cloned https://bot:tok-GGG@git.example.com/r.git with Bearer tok-HHH-long',
  );
  log.child({ component: 'sync', password: 'tok-III' }).warn('child line');
}

describe('logger', () => {
  it('picks the format: override, else pretty on a terminal and JSON otherwise', () => {
    expect(logFormat({}, true)).toBe('pretty');
    expect(logFormat({}, false)).toBe('json');
    expect(logFormat({ GANTRY_LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(logFormat({ GANTRY_LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
    expect(() => logFormat({ GANTRY_LOG_FORMAT: 'xml' }, false)).toThrow(
      /GANTRY_LOG_FORMAT must be "json" or "pretty", not "xml"/,
    );
    expect(logLevel({})).toBe('info');
    expect(logLevel({ GANTRY_LOG_LEVEL: 'debug' })).toBe('debug');
    expect(() => logLevel({ GANTRY_LOG_LEVEL: 'loud' })).toThrow(/GANTRY_LOG_LEVEL/);
  });

  it('writes JSON lines with no secret in them', () => {
    const out = capture();
    const log = createLogger({ format: 'json', destination: out.stream });
    logSecrets(log);
    const lines = out.text().trim().split('\n');
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0]!);
    expect(first.msg).toBe('cloned https://***@git.example.com/r.git with Bearer [redacted]');
    expect(first.level).toBe(30);
    expect(first.repo).toBe('https://***@git.example.com/r.git');
    expect(first.object).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db' },
      data: '[redacted]',
    });
    expect(first.err.message).toBe('push to https://***@h/r.git failed');
    const second = JSON.parse(lines[1]!);
    expect(second).toMatchObject({ component: 'sync', password: '[redacted]', msg: 'child line' });
    expect(out.text()).not.toMatch(/tok-[A-I]/);
    expect(out.text()).not.toContain('dG9rLUVFRQ==');
  });

  it('writes pretty text synchronously, with no secret either', () => {
    const out = capture();
    const log = createLogger({ format: 'pretty', destination: out.stream });
    logSecrets(log);
    const text = out.text();
    expect(text).toContain('INFO');
    expect(text).toContain('cloned https://***@git.example.com/r.git');
    expect(text).toContain('WARN');
    expect(() => JSON.parse(text.split('\n')[0]!)).toThrow();
    expect(text).not.toMatch(/tok-[A-I]/);
    expect(text).not.toContain('dG9rLUVFRQ==');
  });
});
