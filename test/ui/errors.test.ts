// How the dashboard answers a refused Application request: requestSync/requestRefresh throw an
// AppActionError (and write nothing), which statusOf turns into a 404 or 409 Status.
import { describe, expect, it, vi } from 'vitest';
import { errors } from '../../src/api/errors.js';
import type { KObject } from '../../src/api/types.js';
import type { Client } from '../../src/client/types.js';
import { AppActionError, requestRefresh, requestSync } from '../../src/sync/app-actions.js';
import { statusOf } from '../../src/ui/errors.js';

function fakeClient(app: KObject | undefined): { client: Client; patch: ReturnType<typeof vi.fn> } {
  const patch = vi.fn(async () => app);
  const get = vi.fn(async () => {
    if (!app) {
      throw errors.notFound({ group: 'argoproj.io', kind: 'Application', name: 'web' });
    }
    return app;
  });
  return { client: { get, patch } as unknown as Client, patch };
}

const app = (spec: Record<string, unknown> = {}): KObject => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'web', namespace: 'gantry' },
  spec: { destination: { namespace: 'production' }, ...spec },
});

describe('refused Application requests', () => {
  it('a deny window refuses a manual sync with a Conflict and patches nothing', async () => {
    const { client, patch } = fakeClient(
      app({ syncWindows: [{ kind: 'deny', schedule: '* * * * *', duration: '1h', applications: ['*'] }] }),
    );
    const e = await requestSync(client, 'web').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AppActionError);
    expect((e as AppActionError).reason).toBe('Conflict');
    expect((e as Error).message).toMatch(/blocked by/);
    expect(patch).not.toHaveBeenCalled();
    expect(statusOf(e)).toMatchObject({ code: 409, reason: 'Conflict', message: (e as Error).message });
  });

  it('a missing Application is a NotFound (404) for sync and refresh', async () => {
    const { client, patch } = fakeClient(undefined);
    for (const call of [() => requestSync(client, 'web'), () => requestRefresh(client, 'web')]) {
      const e = await call().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(AppActionError);
      expect(statusOf(e)).toMatchObject({ code: 404, reason: 'NotFound' });
      expect((e as Error).message).toMatch(/application 'web' not found in namespace gantry/);
    }
    expect(patch).not.toHaveBeenCalled();
  });

  it('errors statusOf does not know stay internal', () => {
    expect(statusOf(new Error('boom'))).toBeUndefined();
  });
});
