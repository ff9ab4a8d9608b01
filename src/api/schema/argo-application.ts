// argoproj.io/v1alpha1 Application: what to sync, from where, to where, and how. The spec is typed
// with the fields Argo CD users write; Helm/Kustomize/plugin options and the status are free-form.
import { atomicList, bool, enumOf, free, int64, obj, str, stringMap } from './dsl.js';
import { kindSchema } from './meta.js';

const ARGO = 'io.argoproj.v1alpha1';

const applicationSource = obj(
  {
    repoURL: str(),
    path: str(),
    targetRevision: str(),
    helm: free(),
    kustomize: free(),
    directory: obj(
      { recurse: bool(), jsonnet: free(), exclude: str(), include: str() },
      { name: `${ARGO}.ApplicationSourceDirectory` },
    ),
    plugin: free(),
    chart: str(),
    ref: str(),
    name: str(),
  },
  { name: `${ARGO}.ApplicationSource`, required: ['repoURL'] },
);

const syncWindow = obj(
  {
    kind: enumOf('allow', 'deny'),
    schedule: str(),
    duration: str(),
    applications: atomicList(str()),
    namespaces: atomicList(str()),
    clusters: atomicList(str()),
    manualSync: bool(),
    timeZone: str(),
    andOperator: bool(),
    description: str(),
  },
  { name: `${ARGO}.SyncWindow` },
);

export const application = kindSchema(
  { group: 'argoproj.io', version: 'v1alpha1', kind: 'Application' },
  `${ARGO}.Application`,
  {
    spec: obj(
      {
        project: str(),
        source: applicationSource,
        sources: atomicList(applicationSource),
        destination: obj(
          { server: str(), namespace: str(), name: str() },
          { name: `${ARGO}.ApplicationDestination` },
        ),
        syncPolicy: obj(
          {
            automated: obj(
              { prune: bool(), selfHeal: bool(), allowEmpty: bool(), enabled: bool() },
              { name: `${ARGO}.SyncPolicyAutomated` },
            ),
            syncOptions: atomicList(str()),
            retry: obj(
              {
                limit: int64(),
                backoff: obj(
                  { duration: str(), factor: int64(), maxDuration: str() },
                  { name: `${ARGO}.Backoff` },
                ),
                refresh: bool(),
              },
              { name: `${ARGO}.RetryStrategy` },
            ),
            managedNamespaceMetadata: obj(
              { labels: stringMap(), annotations: stringMap() },
              { name: `${ARGO}.ManagedNamespaceMetadata` },
            ),
          },
          { name: `${ARGO}.SyncPolicy` },
        ),
        ignoreDifferences: atomicList(
          obj(
            {
              group: str(),
              kind: str(),
              name: str(),
              namespace: str(),
              jsonPointers: atomicList(str()),
              jqPathExpressions: atomicList(str()),
              managedFieldsManagers: atomicList(str()),
            },
            { name: `${ARGO}.ResourceIgnoreDifferences`, required: ['kind'] },
          ),
        ),
        info: atomicList(
          obj({ name: str(), value: str() }, { name: `${ARGO}.Info`, required: ['name', 'value'] }),
        ),
        revisionHistoryLimit: int64(),
        // AppProject carries sync windows in Argo CD; Gantry also accepts them on the Application.
        syncWindows: atomicList(syncWindow),
        sourceHydrator: free(),
      },
      {
        name: `${ARGO}.ApplicationSpec`,
        required: ['destination', 'project'],
        description: 'What to sync (source), where to (destination) and how (syncPolicy).',
      },
    ),
    status: free('Sync, health, operation state and history, written by the controller.'),
    operation: free(),
  },
  'A set of manifests in git kept in sync with the cluster (Argo CD).',
  ['spec'],
);
