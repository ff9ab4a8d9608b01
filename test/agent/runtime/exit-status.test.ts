import { describe, expect, it } from 'vitest';
import { parseExitRecord, runcStartError, stoppedState } from '../../../src/agent/runtime/exit-status.js';

const exit = (over: object = {}) =>
  JSON.stringify({
    exitCode: 0,
    signal: 0,
    startedAt: '2024-01-01T00:00:00.123456789Z',
    finishedAt: '2024-01-01T00:00:05.5Z',
    oomKilled: false,
    ...over,
  });

describe('exit records', () => {
  it('parses the shim exit file', () => {
    expect(parseExitRecord(exit({ exitCode: 137, signal: 9, oomKilled: true }))).toEqual({
      exitCode: 137,
      signal: 9,
      startedAt: new Date('2024-01-01T00:00:00.123Z'),
      finishedAt: new Date('2024-01-01T00:00:05.500Z'),
      oomKilled: true,
    });
  });

  it.each([
    '',
    '{',
    'null',
    '{"exitCode":"1","finishedAt":"2024-01-01T00:00:00Z"}',
    '{"exitCode":1}',
    exit({ finishedAt: 'soon' }),
  ])('rejects %j', (text) => {
    expect(parseExitRecord(text)).toBeUndefined();
  });

  it('finds runc start errors in its json log', () => {
    const log = [
      '{"level":"warning","msg":"ignoring unknown capability","time":"x"}',
      '{"level":"error","msg":"runc run failed: unable to start container process: exec: \\"x\\": executable file not found in $PATH","time":"x"}',
      '{"level":"error","msg":"runc run failed: torn',
      '',
    ].join('\n');
    expect(runcStartError(log)).toBe(
      'runc run failed: unable to start container process: exec: "x": executable file not found in $PATH',
    );
    expect(runcStartError('{"level":"error","msg":"something else"}\n')).toBeUndefined();
    expect(runcStartError('')).toBeUndefined();
  });

  it.each([
    { code: 0, oom: false, startError: undefined, reason: 'Completed', exitCode: 0 },
    { code: 1, oom: false, startError: undefined, reason: 'Error', exitCode: 1 },
    { code: 137, oom: false, startError: undefined, reason: 'Error', exitCode: 137 },
    { code: 137, oom: true, startError: undefined, reason: 'OOMKilled', exitCode: 137 },
    { code: 0, oom: true, startError: undefined, reason: 'Completed', exitCode: 0 },
    { code: 1, oom: false, startError: 'runc run failed: boom', reason: 'StartError', exitCode: 128 },
  ])(
    'exit $code oom $oom startError $startError -> $reason',
    ({ code, oom, startError, reason, exitCode }) => {
      const rec = parseExitRecord(exit({ exitCode: code, oomKilled: oom }));
      if (rec === undefined) {
        throw new Error('unparsed');
      }
      const state = stoppedState('c1', rec, startError, { a: 'b' });
      expect(state).toMatchObject({ id: 'c1', status: 'stopped', reason, exitCode, annotations: { a: 'b' } });
      expect(state.message).toBe(startError === undefined ? undefined : 'boom');
    },
  );
});
