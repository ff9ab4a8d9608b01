import { describe, expect, it } from 'vitest';
import { listStrategyAt, schemaAt } from '../../../src/api/schema/index.js';

const podSpec = ['spec', 'template', 'spec'];

describe('listStrategyAt', () => {
  it('merges pod template lists by their Kubernetes merge keys', () => {
    const at = (...p: (string | number)[]) => listStrategyAt('apps/v1', 'Deployment', [...podSpec, ...p]);
    expect(at('containers')).toEqual({ strategy: 'merge', mergeKey: 'name' });
    expect(at('initContainers')).toEqual({ strategy: 'merge', mergeKey: 'name' });
    expect(at('containers', 0, 'env')).toEqual({ strategy: 'merge', mergeKey: 'name' });
    expect(at('containers', 'env')).toEqual({ strategy: 'merge', mergeKey: 'name' });
    expect(at('containers', 1, 'ports')).toEqual({ strategy: 'merge', mergeKey: 'containerPort' });
    expect(at('containers', 0, 'volumeMounts')).toEqual({ strategy: 'merge', mergeKey: 'mountPath' });
    expect(at('containers', 0, 'volumeDevices')).toEqual({ strategy: 'merge', mergeKey: 'devicePath' });
    expect(at('volumes')).toEqual({ strategy: 'merge', mergeKey: 'name', retainKeys: true });
    expect(at('imagePullSecrets')).toEqual({ strategy: 'merge', mergeKey: 'name' });
    expect(at('hostAliases')).toEqual({ strategy: 'merge', mergeKey: 'ip' });
    expect(at('topologySpreadConstraints')).toEqual({ strategy: 'merge', mergeKey: 'topologyKey' });
  });

  it('replaces atomic lists as a whole', () => {
    const at = (...p: (string | number)[]) => listStrategyAt('apps/v1', 'Deployment', [...podSpec, ...p]);
    expect(at('tolerations')).toEqual({ strategy: 'replace' });
    expect(at('containers', 0, 'args')).toEqual({ strategy: 'replace' });
    expect(at('containers', 0, 'command')).toEqual({ strategy: 'replace' });
    expect(at('containers', 0, 'envFrom')).toEqual({ strategy: 'replace' });
    expect(listStrategyAt('v1', 'Service', ['spec', 'clusterIPs'])).toEqual({ strategy: 'replace' });
    expect(listStrategyAt('v1', 'Endpoints', ['subsets'])).toEqual({ strategy: 'replace' });
  });

  it('knows metadata, status conditions and service ports', () => {
    expect(listStrategyAt('v1', 'Pod', ['metadata', 'finalizers'])).toEqual({ strategy: 'merge' });
    expect(listStrategyAt('v1', 'Pod', ['metadata', 'ownerReferences'])).toEqual({
      strategy: 'merge',
      mergeKey: 'uid',
    });
    expect(listStrategyAt('v1', 'Pod', ['status', 'conditions'])).toEqual({
      strategy: 'merge',
      mergeKey: 'type',
    });
    expect(listStrategyAt('v1', 'Pod', ['status', 'podIPs'])).toEqual({ strategy: 'merge', mergeKey: 'ip' });
    expect(listStrategyAt('v1', 'Pod', ['spec', 'containers'])).toEqual({
      strategy: 'merge',
      mergeKey: 'name',
    });
    expect(listStrategyAt('apps/v1', 'Deployment', ['status', 'conditions'])).toEqual({
      strategy: 'merge',
      mergeKey: 'type',
    });
    expect(listStrategyAt('v1', 'Node', ['status', 'conditions'])).toEqual({
      strategy: 'merge',
      mergeKey: 'type',
    });
    expect(listStrategyAt('v1', 'Node', ['status', 'addresses'])).toEqual({
      strategy: 'merge',
      mergeKey: 'type',
    });
    expect(listStrategyAt('v1', 'Service', ['spec', 'ports'])).toEqual({
      strategy: 'merge',
      mergeKey: 'port',
    });
    expect(listStrategyAt('argoproj.io/v1alpha1', 'Rollout', [...podSpec, 'containers'])).toEqual({
      strategy: 'merge',
      mergeKey: 'name',
    });
  });

  it('reports retainKeys objects and nothing for plain fields or unknown paths', () => {
    expect(listStrategyAt('apps/v1', 'Deployment', ['spec', 'strategy'])).toEqual({ strategy: 'retainKeys' });
    expect(listStrategyAt('apps/v1', 'Deployment', ['spec', 'template'])).toBeUndefined();
    expect(listStrategyAt('apps/v1', 'Deployment', ['spec', 'replicas'])).toBeUndefined();
    expect(listStrategyAt('apps/v1', 'Deployment', ['spec', 'nope'])).toBeUndefined();
    expect(listStrategyAt('argoproj.io/v1alpha1', 'Application', ['status', 'resources'])).toBeUndefined();
    expect(listStrategyAt('v1', 'Widget', ['spec'])).toBeUndefined();
  });
});

describe('schemaAt', () => {
  it('walks objects, list elements and map values', () => {
    expect(schemaAt('apps/v1', 'Deployment', ['spec', 'replicas'])).toMatchObject({ type: 'integer' });
    expect(schemaAt('apps/v1', 'Deployment', [...podSpec, 'containers', 0, 'image'])).toMatchObject({
      type: 'string',
    });
    expect(schemaAt('v1', 'Pod', ['metadata', 'labels', 'app'])).toMatchObject({ type: 'string' });
    expect(schemaAt('v1', 'Pod', ['spec', 'containers', 0, 'resources', 'limits', 'cpu'])).toMatchObject({
      type: 'quantity',
    });
    expect(schemaAt('v1', 'Pod', [])).toMatchObject({ type: 'object', name: 'io.k8s.api.core.v1.Pod' });
  });
});
