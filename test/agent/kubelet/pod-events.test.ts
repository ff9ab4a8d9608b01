// Kubelet event helpers (pure): field paths, BackOff from status changes, the pod-start end point.
import { describe, expect, it } from 'vitest';
import {
  allContainersRunning,
  backOffEvents,
  containerFieldPath,
  shortDuration,
} from '../../../src/agent/kubelet/pod-events.js';
import type { Pod } from '../../../src/api/types.js';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'prod', uid: 'u1' },
  spec: {
    initContainers: [{ name: 'init' }],
    containers: [
      { name: 'app', image: 'a:1' },
      { name: 'side', image: 'b:1' },
    ],
  },
} as unknown as Pod;

const status = (states: Record<string, unknown>) => ({
  containerStatuses: Object.entries(states).map(([name, state]) => ({ name, image: 'a:1', state })),
});

describe('kubelet pod events', () => {
  it('points at containers the way kubelet does', () => {
    expect(containerFieldPath(pod, 'app')).toBe('spec.containers{app}');
    expect(containerFieldPath(pod, 'init')).toBe('spec.initContainers{init}');
  });

  it('reports a BackOff when a container enters a back-off, not while it stays unchanged', () => {
    const crash = status({
      app: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } },
      side: { running: {} },
    });
    expect(backOffEvents(pod, status({ app: { running: {} } }), crash)).toEqual([
      {
        type: 'Warning',
        reason: 'BackOff',
        container: 'app',
        message: 'Back-off restarting failed container app in pod web_prod(u1)',
      },
    ]);
    expect(backOffEvents(pod, crash, crash)).toEqual([]);
    const longer = status({ app: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 20s' } } });
    expect(backOffEvents(pod, crash, longer)).toHaveLength(1);
    const pull = status({ app: { waiting: { reason: 'ImagePullBackOff', message: 'x' } } });
    expect(backOffEvents(pod, undefined, pull)[0]?.message).toBe('Back-off pulling image "a:1"');
    expect(
      backOffEvents(pod, undefined, status({ app: { waiting: { reason: 'ContainerCreating' } } })),
    ).toEqual([]);
  });

  it('considers a pod started when every regular container runs', () => {
    expect(allContainersRunning(pod, status({ app: { running: {} } }))).toBe(false);
    expect(allContainersRunning(pod, status({ app: { running: {} }, side: { running: {} } }))).toBe(true);
    expect(allContainersRunning(pod, undefined)).toBe(false);
  });

  it('prints durations as kubelet does', () => {
    expect(shortDuration(350)).toBe('350ms');
    expect(shortDuration(1234)).toBe('1.234s');
    expect(shortDuration(2000)).toBe('2s');
  });
});
