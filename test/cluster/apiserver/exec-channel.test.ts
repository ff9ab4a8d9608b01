import { describe, expect, it } from 'vitest';
import { isApiError } from '../../../src/api/errors.js';
import {
  channelMessage,
  execQuery,
  exitStatus,
  parseClientMessage,
  parseExecQuery,
  pickExecProtocol,
} from '../../../src/cluster/apiserver/exec-channel.js';

const q = (s: string) => new URLSearchParams(s);

describe('exec query', () => {
  it('reads what kubectl sends', () => {
    expect(
      parseExecQuery(
        q(
          'command=sh&command=-c&command=echo+hi&container=main&stdin=true&stdout=true&stderr=true&tty=false',
        ),
      ),
    ).toEqual({
      command: ['sh', '-c', 'echo hi'],
      container: 'main',
      stdin: true,
      stdout: true,
      stderr: true,
      tty: false,
    });
  });

  it('merges stderr into the terminal with a tty, and keeps a size only with a tty', () => {
    expect(parseExecQuery(q('command=sh&stdout=1&stderr=1&tty=1&width=80&height=24'))).toMatchObject({
      stderr: false,
      tty: true,
      size: { width: 80, height: 24 },
    });
    expect(parseExecQuery(q('command=sh&stdout=1&width=80&height=24')).size).toBeUndefined();
  });

  it('refuses a missing command, no stream at all, and a bad size, naming the parameter', () => {
    for (const [query, message] of [
      ['stdout=true', /at least one command .*"command"/],
      ['command=&stdout=true', /at least one command/],
      ['command=ls', /at least one of stdin, stdout, stderr/],
      ['command=sh&stdout=1&tty=1&width=80', /width and height/],
      ['command=sh&stdout=1&tty=1&width=0&height=24', /width and height/],
      ['command=sh&stdout=1&tty=1&width=80&height=-1', /width and height/],
    ] as const) {
      let err: unknown;
      try {
        parseExecQuery(q(query));
      } catch (e) {
        err = e;
      }
      expect(isApiError(err, 400), query).toBe(true);
      expect((err as Error).message).toMatch(message);
    }
  });

  it('writes a query that reads back the same (what the API server sends the agent)', () => {
    const r = parseExecQuery(
      q('command=ls&command=-l&command=a b&stdin=1&stdout=1&tty=1&width=100&height=30'),
    );
    expect(parseExecQuery(new URLSearchParams(execQuery(r)))).toEqual(r);
  });
});

describe('channel protocol', () => {
  it('prefers v5, takes v4, and nothing older', () => {
    expect(pickExecProtocol(['v4.channel.k8s.io', 'v5.channel.k8s.io'])).toBe('v5.channel.k8s.io');
    expect(pickExecProtocol(['v4.channel.k8s.io', 'channel.k8s.io'])).toBe('v4.channel.k8s.io');
    expect(pickExecProtocol(['channel.k8s.io', 'base64.channel.k8s.io'])).toBeUndefined();
  });

  it('prefixes each message with its stream byte', () => {
    expect([...channelMessage(1, 'hi')]).toEqual([1, 104, 105]);
    expect([...channelMessage(0, Buffer.alloc(0))]).toEqual([0]);
  });

  it('reads stdin, resize and (v5 only) close-stdin from the client', () => {
    expect(parseClientMessage(Buffer.from([0, 97]), 'v5.channel.k8s.io')).toEqual({
      kind: 'stdin',
      data: Buffer.from('a'),
    });
    expect(parseClientMessage(channelMessage(4, '{"Width":120,"Height":40}'), 'v4.channel.k8s.io')).toEqual({
      kind: 'resize',
      width: 120,
      height: 40,
    });
    expect(parseClientMessage(Buffer.from([255, 0]), 'v5.channel.k8s.io')).toEqual({ kind: 'closeStdin' });
    expect(parseClientMessage(Buffer.from([255, 0]), 'v4.channel.k8s.io')).toEqual({ kind: 'ignored' });
    expect(() =>
      parseClientMessage(channelMessage(4, '{"Width":-1,"Height":2}'), 'v5.channel.k8s.io'),
    ).toThrow(/Width and Height/);
  });

  it('reports success, or the exit code the way kubectl reads it', () => {
    expect(exitStatus(['true'], 0)).toEqual({ metadata: {}, status: 'Success' });
    expect(exitStatus(['sh', '-c', 'exit 3'], 3)).toMatchObject({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
  });
});
