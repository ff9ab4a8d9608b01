import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffLines, type Edit, hunks, renderDiff, toYaml } from '../../src/diff/index.js';

function lcsLength(a: readonly string[], b: readonly string[]): number {
  const dp = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      dp[i]![j] = a[i - 1] === b[j - 1] ? dp[i - 1]![j - 1]! + 1 : Math.max(dp[i - 1]![j]!, dp[i]![j - 1]!);
    }
  }
  return dp[a.length]![b.length]!;
}

const side = (edits: readonly Edit[], drop: '+' | '-') =>
  edits.filter((e) => e.op !== drop).map((e) => e.line);

describe('line diff', () => {
  it('produces a minimal edit script that rebuilds both sides', () => {
    const lines = fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { maxLength: 40 });
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const edits = diffLines(a, b);
        expect(side(edits, '+')).toEqual(a);
        expect(side(edits, '-')).toEqual(b);
        const changes = edits.filter((e) => e.op !== ' ').length;
        expect(changes).toBe(a.length + b.length - 2 * lcsLength(a, b));
      }),
      { numRuns: 300 },
    );
  });

  it('groups changes into hunks with context and unified headers', () => {
    const a = Array.from({ length: 20 }, (_, i) => `l${i + 1}`);
    const b = [...a];
    b[1] = 'L2';
    b.splice(15, 1);
    const hs = hunks(diffLines(a, b), 3);
    expect(hs.map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines])).toEqual([
      [1, 5, 1, 5],
      [13, 7, 13, 6],
    ]);
    expect(hunks(diffLines(a, b), 6)).toHaveLength(2);
    expect(hunks(diffLines(a, b), 7)).toHaveLength(1);
    expect(
      hunks(diffLines([], ['x']), 3).map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines]),
    ).toEqual([[0, 0, 1, 1]]);
    expect(hunks(diffLines(a, a))).toEqual([]);
  });
});

describe('renderDiff', () => {
  const key = { group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web' };
  const obj = (replicas: number) => ({
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: { name: 'web' },
    spec: { replicas, paused: false },
  });

  it('renders sorted YAML as a unified diff like argocd app diff', () => {
    expect(toYaml(obj(1)).split('\n')[0]).toBe('apiVersion: apps/v1');
    expect(renderDiff(key, obj(1), obj(2))).toBe(
      [
        '===== apps/Deployment shop/web ======',
        '--- live',
        '+++ desired',
        '@@ -4,4 +4,4 @@',
        '   name: web',
        ' spec:',
        '   paused: false',
        '-  replicas: 1',
        '+  replicas: 2',
        '',
      ].join('\n'),
    );
    expect(renderDiff(key, obj(1), obj(1))).toBe('');
  });

  it('renders a missing object as all added', () => {
    const d = renderDiff(key, undefined, obj(1));
    expect(d).toContain('@@ -0,0 +1,7 @@');
    expect(d.split('\n').filter((l) => l.startsWith('+')).length).toBe(8); // 7 lines + the header
  });
});
