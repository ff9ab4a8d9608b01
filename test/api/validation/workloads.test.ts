import { describe, expect, it } from 'vitest';
import type { KObject } from '../../../src/api/types.js';
import { validateObject } from '../../../src/api/validation/index.js';
import { validObject } from '../fixtures.js';
import { lines, pairs } from './helpers.js';

function edit(kind: string, f: (o: KObject) => void): KObject {
  const o = validObject(kind);
  f(o);
  return o;
}

describe.each(['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet'])(
  '%s selector and template',
  (kind) => {
    it('accepts the fixture', () => {
      expect(validateObject(validObject(kind))).toEqual([]);
    });

    it('requires a selector', () => {
      const o = edit(kind, (x) => {
        delete x.spec.selector;
      });
      expect(pairs(validateObject(o))).toEqual(['spec.selector FieldValueRequired']);
    });

    it('refuses an empty selector', () => {
      const o = edit(kind, (x) => {
        x.spec.selector = {};
      });
      expect(lines(validateObject(o))).toEqual([
        `spec.selector: Invalid value: {}: empty selector is invalid for ${kind.toLowerCase()}`,
      ]);
    });

    it('requires the selector to match the template labels', () => {
      const o = edit(kind, (x) => {
        x.spec.template.metadata.labels = { app: 'other' };
      });
      expect(lines(validateObject(o))).toEqual([
        'spec.template.metadata.labels: Invalid value: {"app":"other"}: selector does not match template labels',
      ]);
    });

    it('requires restartPolicy Always in the template', () => {
      const o = edit(kind, (x) => {
        x.spec.template.spec.restartPolicy = 'Never';
      });
      expect(lines(validateObject(o))).toEqual([
        'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
      ]);
    });

    it('validates the pod template spec with its path', () => {
      const o = edit(kind, (x) => {
        x.spec.template.spec.containers[0].image = '';
      });
      expect(pairs(validateObject(o))).toEqual(['spec.template.spec.containers[0].image FieldValueRequired']);
    });

    it('makes the selector immutable', () => {
      const old = validObject(kind);
      const next = edit(kind, (x) => {
        x.spec.selector = { matchLabels: { app: 'web2' } };
        x.spec.template.metadata.labels = { app: 'web2' };
      });
      // StatefulSet reports it through its general "only these fields may change" rule.
      const want = kind === 'StatefulSet' ? 'spec FieldValueForbidden' : 'spec.selector FieldValueInvalid';
      expect(pairs(validateObject(next, old))).toEqual([want]);
      expect(validateObject(validObject(kind), old)).toEqual([]);
    });
  },
);

describe('Deployment', () => {
  it.each<[string, (o: KObject) => void, string[]]>([
    ['negative replicas', (o) => (o.spec.replicas = -1), ['spec.replicas FieldValueInvalid']],
    [
      'strategy type enum',
      (o) => (o.spec.strategy = { type: 'BlueGreen' }),
      ['spec.strategy.type FieldValueNotSupported'],
    ],
    [
      'rollingUpdate with Recreate',
      (o) => (o.spec.strategy = { type: 'Recreate', rollingUpdate: { maxSurge: 1 } }),
      ['spec.strategy.rollingUpdate FieldValueForbidden'],
    ],
    [
      'both zero',
      (o) =>
        (o.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } }),
      ['spec.strategy.rollingUpdate.maxUnavailable FieldValueInvalid'],
    ],
    [
      'bad percent',
      (o) => (o.spec.strategy = { rollingUpdate: { maxSurge: '25', maxUnavailable: -1 } }),
      [
        'spec.strategy.rollingUpdate.maxSurge FieldValueInvalid',
        'spec.strategy.rollingUpdate.maxUnavailable FieldValueInvalid',
      ],
    ],
    [
      'maxUnavailable above 100%',
      (o) => (o.spec.strategy = { rollingUpdate: { maxUnavailable: '150%' } }),
      ['spec.strategy.rollingUpdate.maxUnavailable FieldValueInvalid'],
    ],
    ['valid knobs', (o) => (o.spec.strategy = { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }), []],
    [
      'progress deadline not above minReadySeconds',
      (o) => {
        o.spec.minReadySeconds = 30;
        o.spec.progressDeadlineSeconds = 30;
      },
      ['spec.progressDeadlineSeconds FieldValueInvalid'],
    ],
  ])('%s', (_name, f, want) => {
    expect(pairs(validateObject(edit('Deployment', f)))).toEqual(want);
  });

  it('explains the zero/zero rolling update', () => {
    const o = edit(
      'Deployment',
      (x) => (x.spec.strategy = { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } }),
    );
    expect(lines(validateObject(o))).toEqual([
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0',
    ]);
  });
});

describe('DaemonSet and StatefulSet', () => {
  it('DaemonSet update strategy', () => {
    expect(
      pairs(validateObject(edit('DaemonSet', (o) => (o.spec.updateStrategy = { type: 'Recreate' })))),
    ).toEqual(['spec.updateStrategy.type FieldValueNotSupported']);
    expect(
      pairs(
        validateObject(
          edit(
            'DaemonSet',
            (o) => (o.spec.updateStrategy = { rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } }),
          ),
        ),
      ),
    ).toEqual(['spec.updateStrategy.rollingUpdate.maxUnavailable FieldValueInvalid']);
  });

  it('StatefulSet fields', () => {
    expect(pairs(validateObject(edit('StatefulSet', (o) => (o.spec.serviceName = 'DB'))))).toEqual([
      'spec.serviceName FieldValueInvalid',
    ]);
    expect(
      pairs(validateObject(edit('StatefulSet', (o) => (o.spec.podManagementPolicy = 'Random')))),
    ).toEqual(['spec.podManagementPolicy FieldValueNotSupported']);
    expect(
      pairs(
        validateObject(
          edit(
            'StatefulSet',
            (o) => (o.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: -1 } }),
          ),
        ),
      ),
    ).toEqual(['spec.updateStrategy.rollingUpdate.partition FieldValueInvalid']);
    expect(
      pairs(
        validateObject(
          edit(
            'StatefulSet',
            (o) =>
              (o.spec.volumeClaimTemplates = [
                { metadata: { name: 'data' } },
                { metadata: { name: 'data' } },
              ]),
          ),
        ),
      ),
    ).toEqual(['spec.volumeClaimTemplates[1].metadata.name FieldValueDuplicate']);
  });

  it('StatefulSet updates may only change the mutable fields', () => {
    const old = validObject('StatefulSet');
    const scaled = edit('StatefulSet', (o) => {
      o.spec.replicas = 5;
      o.spec.template.spec.containers[0].image = 'postgres:17';
      o.spec.updateStrategy = { type: 'OnDelete' };
    });
    expect(validateObject(scaled, old)).toEqual([]);
    const renamed = edit('StatefulSet', (o) => (o.spec.serviceName = 'db2'));
    expect(lines(validateObject(renamed, old))).toEqual([
      expect.stringMatching(/^spec: Forbidden: updates to statefulset spec for fields other than 'replicas'/),
    ]);
  });
});

describe('Job', () => {
  it('accepts the fixture without a selector (the server generates it)', () => {
    expect(validateObject(validObject('Job'))).toEqual([]);
  });

  it.each<[string, (o: KObject) => void, string[]]>([
    [
      'missing restartPolicy',
      (o) => delete o.spec.template.spec.restartPolicy,
      ['spec.template.spec.restartPolicy FieldValueRequired'],
    ],
    [
      'restartPolicy Always',
      (o) => (o.spec.template.spec.restartPolicy = 'Always'),
      ['spec.template.spec.restartPolicy FieldValueNotSupported'],
    ],
    ['OnFailure is fine', (o) => (o.spec.template.spec.restartPolicy = 'OnFailure'), []],
    ['negative backoffLimit', (o) => (o.spec.backoffLimit = -1), ['spec.backoffLimit FieldValueInvalid']],
    ['negative parallelism', (o) => (o.spec.parallelism = -2), ['spec.parallelism FieldValueInvalid']],
    [
      'completion mode enum',
      (o) => (o.spec.completionMode = 'Sometimes'),
      ['spec.completionMode FieldValueNotSupported'],
    ],
    [
      'Indexed needs completions',
      (o) => (o.spec.completionMode = 'Indexed'),
      ['spec.completions FieldValueRequired'],
    ],
    [
      'manualSelector without selector',
      (o) => (o.spec.manualSelector = true),
      ['spec.selector FieldValueRequired'],
    ],
    [
      'selector that misses the template',
      (o) => {
        o.spec.selector = { matchLabels: { job: 'x' } };
        o.spec.template.metadata = { labels: { job: 'y' } };
      },
      ['spec.template.metadata.labels FieldValueInvalid'],
    ],
  ])('%s', (_name, f, want) => {
    expect(pairs(validateObject(edit('Job', f)))).toEqual(want);
  });

  it('makes selector, template and completions immutable', () => {
    const old = edit('Job', (o) => {
      o.spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } };
      o.spec.template.metadata = { labels: { 'batch.kubernetes.io/controller-uid': 'u1' } };
      o.spec.completions = 1;
    });
    const next = structuredClone(old);
    next.spec.template.spec.containers[0].image = 'other:1';
    next.spec.completions = 3;
    expect(pairs(validateObject(next, old))).toEqual([
      'spec.template FieldValueInvalid',
      'spec.completions FieldValueInvalid',
    ]);
    const suspended = structuredClone(old);
    suspended.spec.suspend = true;
    expect(validateObject(suspended, old)).toEqual([]);
  });
});
