import { describe, expect, it } from 'vitest';
import { renderDiff } from '../../src/diff/render.js';
import { classifyDiff, diffStats } from '../../ui/src/lib/diff-lines.js';

describe('classifyDiff', () => {
  it('classifies the lines gantry app diff renders', () => {
    const key = { group: 'apps', kind: 'Deployment', namespace: 'production', name: 'web' };
    const live = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'production' },
      spec: { replicas: 3, template: { spec: { containers: [{ name: 'web', image: 'demo/web:v1' }] } } },
    };
    const desired = structuredClone(live);
    desired.spec.template.spec.containers[0]!.image = 'demo/web:v2';
    const text = renderDiff(key, live, desired);
    const lines = classifyDiff(text);
    expect(lines[0]).toEqual({ kind: 'title', text: '===== apps/Deployment production/web ======' });
    expect(lines.slice(1, 3).map((l) => l.kind)).toEqual(['file', 'file']);
    expect(lines[3]?.kind).toBe('hunk');
    const squeeze = (s: string) => s.replace(/\s+/g, ' ');
    expect(lines.filter((l) => l.kind === 'del').map((l) => squeeze(l.text))).toEqual([
      '- - image: demo/web:v1',
    ]);
    expect(lines.filter((l) => l.kind === 'add').map((l) => squeeze(l.text))).toEqual([
      '+ - image: demo/web:v2',
    ]);
    expect(lines.some((l) => l.kind === 'context')).toBe(true);
    expect(diffStats(lines)).toEqual({ added: 1, removed: 1 });
    // no empty line for the final line end
    expect(lines[lines.length - 1]?.text).not.toBe('');
  });

  it('returns nothing for an empty diff', () => {
    expect(classifyDiff('')).toEqual([]);
    expect(diffStats([])).toEqual({ added: 0, removed: 0 });
  });
});
