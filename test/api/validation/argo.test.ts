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

describe('Rollout', () => {
  it('accepts the canary fixture and a blue/green variant', () => {
    expect(validateObject(validObject('Rollout'))).toEqual([]);
    const bg = edit(
      'Rollout',
      (o) => (o.spec.strategy = { blueGreen: { activeService: 'web', previewService: 'web-preview' } }),
    );
    expect(validateObject(bg)).toEqual([]);
  });

  it.each<[string, (o: KObject) => void, string[]]>([
    ['no strategy', (o) => delete o.spec.strategy, ['spec.strategy FieldValueRequired']],
    ['empty strategy', (o) => (o.spec.strategy = {}), ['spec.strategy FieldValueRequired']],
    [
      'both strategies',
      (o) => (o.spec.strategy = { canary: {}, blueGreen: { activeService: 'web' } }),
      ['spec.strategy FieldValueForbidden'],
    ],
    [
      'blueGreen without activeService',
      (o) => (o.spec.strategy = { blueGreen: {} }),
      ['spec.strategy.blueGreen.activeService FieldValueRequired'],
    ],
    [
      'preview equals active',
      (o) => (o.spec.strategy = { blueGreen: { activeService: 'web', previewService: 'web' } }),
      ['spec.strategy.blueGreen.previewService FieldValueInvalid'],
    ],
    [
      'negative scaleDownDelaySeconds',
      (o) => (o.spec.strategy = { blueGreen: { activeService: 'web', scaleDownDelaySeconds: -1 } }),
      ['spec.strategy.blueGreen.scaleDownDelaySeconds FieldValueInvalid'],
    ],
    [
      'setWeight above 100',
      (o) => (o.spec.strategy.canary.steps[0] = { setWeight: 120 }),
      ['spec.strategy.canary.steps[0].setWeight FieldValueInvalid'],
    ],
    [
      'setWeight negative',
      (o) => (o.spec.strategy.canary.steps[0] = { setWeight: -5 }),
      ['spec.strategy.canary.steps[0].setWeight FieldValueInvalid'],
    ],
    [
      'empty step',
      (o) => (o.spec.strategy.canary.steps[0] = {}),
      ['spec.strategy.canary.steps[0] FieldValueRequired'],
    ],
    [
      'two kinds in one step',
      (o) => (o.spec.strategy.canary.steps[0] = { setWeight: 10, pause: {} }),
      ['spec.strategy.canary.steps[0] FieldValueInvalid'],
    ],
    [
      'unsupported Argo step',
      (o) => (o.spec.strategy.canary.steps[0] = { analysis: { templates: [] } }),
      ['spec.strategy.canary.steps[0] FieldValueNotSupported'],
    ],
    [
      'bad pause duration',
      (o) => (o.spec.strategy.canary.steps[1] = { pause: { duration: 'soon' } }),
      ['spec.strategy.canary.steps[1].pause.duration FieldValueInvalid'],
    ],
    ['pause in minutes', (o) => (o.spec.strategy.canary.steps[1] = { pause: { duration: '5m' } }), []],
    ['pause in seconds', (o) => (o.spec.strategy.canary.steps[1] = { pause: { duration: 10 } }), []],
    [
      'canary zero/zero',
      (o) => Object.assign(o.spec.strategy.canary, { maxSurge: 0, maxUnavailable: 0 }),
      ['spec.strategy.canary.maxUnavailable FieldValueInvalid'],
    ],
    [
      'selector must match',
      (o) => (o.spec.template.metadata.labels = { app: 'x' }),
      ['spec.template.metadata.labels FieldValueInvalid'],
    ],
    ['selector required', (o) => delete o.spec.selector, ['spec.selector FieldValueRequired']],
    [
      'restartPolicy Always',
      (o) => (o.spec.template.spec.restartPolicy = 'OnFailure'),
      ['spec.template.spec.restartPolicy FieldValueNotSupported'],
    ],
    ['negative replicas', (o) => (o.spec.replicas = -1), ['spec.replicas FieldValueInvalid']],
  ])('%s', (_name, f, want) => {
    expect(pairs(validateObject(edit('Rollout', f)))).toEqual(want);
  });

  it('explains an out-of-range weight', () => {
    const o = edit('Rollout', (x) => (x.spec.strategy.canary.steps[0] = { setWeight: 120 }));
    expect(lines(validateObject(o))).toEqual([
      'spec.strategy.canary.steps[0].setWeight: Invalid value: 120: must be an integer between 0 and 100, inclusive',
    ]);
  });

  it('makes the selector immutable', () => {
    const old = validObject('Rollout');
    const next = edit('Rollout', (o) => {
      o.spec.selector.matchLabels = { app: 'web2' };
      o.spec.template.metadata.labels = { app: 'web2' };
    });
    expect(pairs(validateObject(next, old))).toEqual(['spec.selector FieldValueInvalid']);
  });
});

describe('Application', () => {
  it('accepts the fixture and multiple sources', () => {
    expect(validateObject(validObject('Application'))).toEqual([]);
    const multi = edit('Application', (o) => {
      delete o.spec.source;
      o.spec.sources = [
        { repoURL: 'https://a.example/x.git', path: 'a' },
        { repoURL: 'https://b.example/y.git' },
      ];
    });
    expect(validateObject(multi)).toEqual([]);
  });

  it.each<[string, (o: KObject) => void, string[]]>([
    ['no source', (o) => delete o.spec.source, ['spec.source FieldValueRequired']],
    ['no repoURL', (o) => delete o.spec.source.repoURL, ['spec.source.repoURL FieldValueRequired']],
    ['no destination', (o) => delete o.spec.destination, ['spec.destination FieldValueRequired']],
    [
      'destination without server or name',
      (o) => (o.spec.destination = { namespace: 'x' }),
      ['spec.destination.server FieldValueRequired'],
    ],
    [
      'destination with both',
      (o) => (o.spec.destination = { server: 'https://kubernetes.default.svc', name: 'in-cluster' }),
      ['spec.destination.name FieldValueInvalid'],
    ],
    [
      'bad destination namespace',
      (o) => (o.spec.destination.namespace = 'Prod'),
      ['spec.destination.namespace FieldValueInvalid'],
    ],
    [
      'path escaping the repo',
      (o) => (o.spec.source.path = '../secrets'),
      ['spec.source.path FieldValueInvalid'],
    ],
    [
      'bad sync option',
      (o) => (o.spec.syncPolicy.syncOptions = ['Prune']),
      ['spec.syncPolicy.syncOptions[0] FieldValueInvalid'],
    ],
    [
      'sources entry without repoURL',
      (o) => (o.spec.sources = [{ path: 'x' }]),
      ['spec.sources[0].repoURL FieldValueRequired'],
    ],
  ])('%s', (_name, f, want) => {
    expect(pairs(validateObject(edit('Application', f)))).toEqual(want);
  });

  it('requires a project (defaulting sets "default")', () => {
    const o = validObject('Application');
    o.spec.project = '';
    expect(pairs(validateObject(o))).toEqual(['spec.project FieldValueRequired']);
  });
});
