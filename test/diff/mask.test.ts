// Secret values must never leave src/diff: not in patches, human diffs, returned objects or errors.
import { describe, expect, it } from 'vitest';
import type { KObject } from '../../src/api/types.js';
import { diffResources, MASK, maskSecret, SecretMasker } from '../../src/diff/index.js';
import { apply, clone, find, loadYaml, newRegistry } from './helpers.js';

/** Every secret value of the fixture and the next revision, in plain text and base64. */
const PLAIN = [
  'admin',
  's3cr3t-pass',
  'tok-9f8e7d6c5b4a',
  'plain-key-0123456789',
  'n3w-pass!',
  'tok-rotated-42',
];
const FORBIDDEN = [...PLAIN, ...PLAIN.map((p) => Buffer.from(p).toString('base64'))];

function expectNoSecret(value: unknown): void {
  const text = JSON.stringify(value);
  for (const s of FORBIDDEN) {
    expect(text, `leaked ${s}`).not.toContain(s);
  }
}

describe('Secret masking', () => {
  it('a freshly applied Secret (stringData merged by the server) is Synced', async () => {
    const reg = await newRegistry();
    const desired = loadYaml('secret.yaml');
    const live = await apply(reg, desired);
    expect(find(live, 'Secret', 'db').stringData).toBeUndefined();
    const results = diffResources(desired, live, { namespace: 'shop' });
    expect(results.map((r) => r.status)).toEqual(['Synced', 'Synced']);
    expectNoSecret(results);
  });

  it('changed values get a different mask, unchanged ones the same, and nothing leaks', async () => {
    const reg = await newRegistry();
    const desired = loadYaml('secret.yaml');
    const live = await apply(reg, desired);
    const next = clone(desired);
    const db = find(next, 'Secret', 'db');
    db.data.password = Buffer.from('n3w-pass!').toString('base64');
    db.stringData.token = 'tok-rotated-42';
    const results = diffResources(next, live, { namespace: 'shop' });
    const r = results[0]!;
    expect(r.status).toBe('OutOfSync');
    expect(r.patch.map((op) => [op.op, op.path])).toEqual(
      expect.arrayContaining([
        ['replace', '/data/password'],
        ['replace', '/data/token'],
      ]),
    );
    expect(r.patch).toHaveLength(2);
    for (const op of r.patch) {
      expect((op as { value: string }).value).toMatch(/^\+{8,}$/);
    }
    // the human diff shows which keys changed, with masks of different lengths
    const lines = r.diff.split('\n');
    const minus = lines.find((l) => l.includes('-  password:'))!;
    const plus = lines.find((l) => l.includes('+  password:'))!;
    expect(minus).toMatch(/\+{8,}/);
    expect(plus).toMatch(/\+{8,}/);
    expect(minus.match(/\++$/)?.[0]).not.toBe(plus.match(/\++$/)?.[0]);
    expect(r.diff).toMatch(/ {2}username: \++/); // unchanged key as context, masked
    // returned objects are masked copies; the caller's objects are untouched
    expect(r.desired!.data.username).toMatch(/^\+{8,}$/);
    expect(r.desired!.stringData.token).toMatch(/^\+{8,}$/);
    expect(r.live!.metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration']).toBe(MASK);
    expect(
      find(live, 'Secret', 'db').metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration'],
    ).toContain('YWRtaW4=');
    expect(db.stringData.token).toBe('tok-rotated-42');
    expectNoSecret(results);
  });

  it('masks Missing and Extra Secrets and the ones that fail to normalize', () => {
    const s: KObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'x', namespace: 'shop' },
      data: { a: Buffer.from('admin').toString('base64') },
      stringData: { b: 's3cr3t-pass' },
    };
    const extra = { ...clone(s), metadata: { name: 'y', namespace: 'shop' } };
    const results = diffResources([s], [extra], { namespace: 'shop' });
    expect(results.map((r) => r.status)).toEqual(['Missing', 'Extra']);
    expect(results[0]!.diff).toContain('+  a: ++++++++');
    expectNoSecret(results);
    const failing = diffResources([s], [{ ...clone(s), metadata: { name: 'x', namespace: 'shop' } }], {
      ignoreDifferences: [{ kind: 'Secret', jsonPointers: ['data'] }],
    });
    expect(failing[0]!.error).toBeDefined();
    expectNoSecret(failing);
  });

  it('equal values share a mask across data and stringData', () => {
    const m = new SecretMasker();
    const a = maskSecret(
      { apiVersion: 'v1', kind: 'Secret', metadata: {}, data: { k: Buffer.from('v1').toString('base64') } },
      m,
    );
    const b = maskSecret(
      { apiVersion: 'v1', kind: 'Secret', metadata: {}, stringData: { k: 'v1', j: 'v2' } },
      m,
    );
    expect(a.data.k).toBe(MASK);
    expect(b.stringData.k).toBe(MASK);
    expect(b.stringData.j).toBe(`${MASK}+`);
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: {}, data: { k: 'v' } };
    expect(maskSecret(cm, m)).toBe(cm);
  });
});
