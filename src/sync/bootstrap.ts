// `gantry up --repo URL --path DIR [--revision BRANCH]`: makes sure Gantry's namespace and one
// Application following that repository exist (created, or its source updated), the way a user
// would `kubectl apply` it. The CLI calls this; it does nothing git- or cluster-specific itself.
import { isApiError } from '../api/errors.js';
import type { KObject } from '../api/types.js';
import { R } from '../client/resources.js';
import type { Client } from '../client/types.js';
import { APPLICATION_NAMESPACE } from './types.js';

export interface EnsureApplicationOptions {
  readonly name: string;
  readonly repoURL: string;
  /** Directory inside the repository ('.' or '' for the root). */
  readonly path?: string;
  /** Branch, tag or commit. Default HEAD. */
  readonly targetRevision?: string;
  /** Destination namespace for manifests that name none. */
  readonly namespace?: string;
  /** Automated sync (default: prune and selfHeal on); false for manual syncs only. */
  readonly automated?: boolean | { readonly prune?: boolean; readonly selfHeal?: boolean };
  /** Recurse into subdirectories (default true: `manifests/` holds one folder per namespace). */
  readonly recurse?: boolean;
}

/** The Application `ensureApplication` applies. Pure. */
export function applicationManifest(o: EnsureApplicationOptions): KObject {
  const automated =
    o.automated === false
      ? undefined
      : {
          prune: typeof o.automated === 'object' ? o.automated.prune !== false : true,
          selfHeal: typeof o.automated === 'object' ? o.automated.selfHeal !== false : true,
        };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: o.name, namespace: APPLICATION_NAMESPACE },
    spec: {
      project: 'default',
      source: {
        repoURL: o.repoURL,
        path: o.path && o.path !== '' ? o.path : '.',
        targetRevision: o.targetRevision ?? 'HEAD',
        directory: { recurse: o.recurse !== false },
      },
      destination: {
        server: 'https://kubernetes.default.svc',
        ...(o.namespace ? { namespace: o.namespace } : {}),
      },
      syncPolicy: {
        ...(automated ? { automated } : {}),
        syncOptions: ['CreateNamespace=true'],
      },
    },
  };
}

/** Creates Gantry's namespace and the Application (or brings its spec up to date); returns it. */
export async function ensureApplication(client: Client, o: EnsureApplicationOptions): Promise<KObject> {
  try {
    await client.create(R.namespaces, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: APPLICATION_NAMESPACE },
    });
  } catch (e) {
    if (!isApiError(e, 409)) {
      throw new Error(`create namespace ${APPLICATION_NAMESPACE}`, { cause: e });
    }
  }
  const app = applicationManifest(o);
  try {
    return await client.patch(R.applications, APPLICATION_NAMESPACE, o.name, 'apply', app, {
      fieldManager: 'gantry-up',
      force: true,
    });
  } catch (e) {
    throw new Error(`apply application ${o.name}`, { cause: e });
  }
}
