// The Application controller: level-triggered, one pass per Application key. A pass resolves the
// target revision (ls-remote once per poll, fetch only when it moved), renders and validates the
// whole revision, compares it with the live objects the app tracks, writes the status (sync,
// resources, health, conditions), and drives the sync operation one step per pass — started by
// `operation` (manual) or by the automated policy (OutOfSync, or drift with selfHeal), within
// the sync windows, with retries. A change to a tracked object requeues its app at once.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { type Clock, rfc3339, systemClock } from '../api/clock.js';
import type { KObject } from '../api/types.js';
import {
  type ControllerHandle,
  type ReconcileResult,
  type Reconciler,
  runController,
} from '../client/controller.js';
import { type Informer, objectKey, splitKey } from '../client/informer.js';
import type { InformerFactory } from '../client/informer-factory.js';
import { R } from '../client/resources.js';
import type { Client } from '../client/types.js';
import { WorkQueue } from '../client/workqueue.js';
import type { EventRecorder } from '../cluster/events.js';
import { diffResources } from '../diff/index.js';
import { secondsSince } from '../observe/metrics.js';
import { countSync, observeAppReconcile, reportApplications } from '../observe/sync-metrics.js';
import { REFRESH_ANNOTATION } from './app-actions.js';
import { AppWriter } from './app-writer.js';
import { ensureNamespace } from './apply.js';
import { decideSync, type StartInput, sourceOf } from './auto-sync.js';
import { GitSource } from './git-source.js';
import { assessHealth } from './health.js';
import { ManifestCache, type RevisionManifests } from './manifests.js';
import { newOperationState, stepOperation } from './operation.js';
import { appSyncOptions, isTrue } from './policy.js';
import { repoCredentialsFor } from './repo-credentials.js';
import { RevisionTracker } from './revisions.js';
import {
  appendHistory,
  appHealthOf,
  imagesOf,
  rejectedRevisionMessage,
  resourceStatuses,
  setCondition,
  syncStatusOf,
} from './status.js';
import { operationCompletedEvent, operationStartedEvent, statusChangeEvents } from './sync-events.js';
import { TrackedObjects } from './tracked.js';
import {
  type ApplicationStatus,
  formatManifestError,
  isCompleted,
  type OperationState,
  type Source,
} from './types.js';
import { type PushEvent, sameRepo } from './webhook.js';
import { evaluateSyncWindows } from './windows.js';

export interface ApplicationControllerOptions {
  readonly client: Client;
  readonly informers: InformerFactory;
  readonly dataDir: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly recorder?: EventRecorder;
  /** How often each app's repository is checked (ls-remote). Default 15 s. */
  readonly pollIntervalMs?: number;
  readonly queue?: WorkQueue<string>;
  readonly git?: GitSource;
  /** The kubectl binary used for `kubectl kustomize`. */
  readonly kubectl?: string;
}

export class ApplicationController implements Reconciler {
  readonly name = 'application';
  readonly queue: WorkQueue<string>;
  readonly git: GitSource;
  private readonly apps: Informer;
  private readonly tracked: TrackedObjects;
  private readonly manifests: ManifestCache;
  private readonly clock: Clock;
  private readonly pollMs: number;
  private readonly revisions: RevisionTracker;
  private readonly writer: AppWriter;
  private readonly selfHeal = new Map<string, { attempts: number; lastFinishedMs: number }>();
  private trackedStarted?: Promise<void>;
  /** When each operation this process started began (ms), for gantry_app_sync_duration_seconds. */
  private readonly startedAt = new Map<string, number>();

  constructor(private readonly opts: ApplicationControllerOptions) {
    this.queue = opts.queue ?? new WorkQueue<string>();
    this.clock = opts.clock ?? systemClock;
    this.pollMs = opts.pollIntervalMs ?? 15_000;
    this.git =
      opts.git ?? new GitSource({ dataDir: opts.dataDir, logger: opts.logger?.child({ component: 'git' }) });
    this.manifests = new ManifestCache({ git: this.git, kubectl: opts.kubectl });
    this.revisions = new RevisionTracker(opts.client, this.git, this.pollMs);
    this.writer = new AppWriter(opts.client, this.pollMs);
    this.apps = opts.informers.for(R.applications);
    this.apps.addIndex('gantry-sync/name', (a) => [a.metadata.name ?? '']);
    this.apps.addHandlers({
      add: (a) => this.queue.add(objectKey(a)),
      update: (_o, a) => this.queue.add(objectKey(a)),
      delete: (a) => this.queue.add(objectKey(a)),
    });
    this.tracked = new TrackedObjects(
      opts.client,
      opts.informers,
      (app) => {
        for (const a of this.apps.byIndex('gantry-sync/name', app)) {
          this.queue.add(objectKey(a));
        }
      },
      (e) => opts.logger?.warn({ err: (e as Error)?.message }, 'informer error'),
    );
  }

  start(opts: { workers?: number; logger?: Logger } = {}): ControllerHandle {
    this.trackedStarted ??= this.tracked.start();
    const handle = runController(this, {
      workers: opts.workers ?? 2,
      logger: opts.logger,
      queue: this.queue,
    });
    const unreport = reportApplications(() => this.apps.list());
    return {
      queue: handle.queue,
      stop: async () => {
        unreport();
        await handle.stop();
        this.tracked.stop();
      },
    };
  }

  /** Re-checks the repository of `namespace/name` at once (webhook, `gantry app get --refresh`). */
  refresh(key: string): void {
    this.revisions.requestRefresh(key);
    this.queue.add(key);
  }

  /** Re-checks every app following one of `repoURLs` at once. Returns how many. */
  refreshRepo(...repoURLs: string[]): number {
    let n = 0;
    for (const a of this.apps.list()) {
      const url = String(a.spec?.source?.repoURL ?? '');
      if (repoURLs.some((u) => sameRepo(u, url))) {
        this.refresh(objectKey(a));
        n++;
      }
    }
    return n;
  }

  /** The webhook's `onPush`: a push to a repository refreshes the apps following it. */
  readonly onPush = (e: PushEvent): void => {
    const n = this.refreshRepo(...e.repoURLs);
    this.opts.logger?.info({ ref: e.ref, apps: n }, 'push received: refreshing');
  };

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const { namespace, name } = splitKey(key);
    const app = this.writer.current(key, this.apps.get(namespace, name));
    if (!app) {
      this.forget(key);
      return undefined;
    }
    if (app.metadata.deletionTimestamp) {
      return undefined;
    }
    const started = process.hrtime.bigint();
    try {
      return await this.reconcileApp(key, app);
    } finally {
      observeAppReconcile(app, secondsSince(started));
    }
  }

  /** Writes the status, first telling users (ResourceUpdated events) how sync and health changed. */
  private async writeStatus(app: KObject, status: ApplicationStatus, now: Date): Promise<void> {
    for (const e of statusChangeEvents(app.status as ApplicationStatus | undefined, status)) {
      this.opts.recorder?.event(app, e.type, e.reason, e.message);
    }
    await this.writer.writeStatus(app, status, now);
  }

  private async reconcileApp(key: string, app: KObject): Promise<ReconcileResult | undefined> {
    this.trackedStarted ??= this.tracked.start();
    await this.trackedStarted;
    const now = this.clock.now();
    const log = this.opts.logger?.child({
      app: app.metadata.name,
      reconcileId: randomBytes(4).toString('hex'),
    });
    const status: ApplicationStatus = structuredClone(app.status ?? {});
    const source = sourceOf(app);
    if (typeof source === 'string') {
      status.conditions = setCondition(status.conditions, 'InvalidSpecError', source, now);
      status.sync = { status: 'Unknown' };
      await this.writeStatus(app, status, now);
      return undefined;
    }
    status.conditions = setCondition(status.conditions, 'InvalidSpecError', undefined, now);
    const destNs: string | undefined = app.spec?.destination?.namespace || undefined;
    const comparedTo = { source, destination: app.spec?.destination ?? {} };

    // A refresh asked for through the Application (dashboard, CLI, a webhook on a standby server).
    if (app.metadata.annotations?.[REFRESH_ANNOTATION] !== undefined) {
      this.revisions.requestRefresh(key);
      await this.writer.clearRefresh(app);
    }

    // 1. Which commit: ls-remote once per poll (or on refresh), fetch only when it moved.
    const rev = await this.revisions.resolve(key, app, source, now);
    if (!rev.sha || rev.error) {
      status.sync = { ...(status.sync ?? {}), status: 'Unknown', comparedTo };
      status.conditions = setCondition(
        status.conditions,
        'ComparisonError',
        rev.error ?? 'revision unknown',
        now,
      );
      const result = await this.continueOperation(app, status, source, destNs, now, log);
      await this.writeStatus(app, status, now);
      const backoff = this.revisions.untilNextCheck(key, now);
      return { requeueAfterMs: Math.min(backoff, result ?? backoff) };
    }

    // 2. The revision's desired state, validated as a whole.
    let manifests: RevisionManifests;
    try {
      manifests = await this.manifests.get(app.metadata.name ?? '', source, destNs, rev.sha);
    } catch (e) {
      status.sync = { status: 'Unknown', revision: rev.sha, comparedTo };
      status.conditions = setCondition(status.conditions, 'ComparisonError', (e as Error).message, now);
      await this.writeStatus(app, status, now);
      return { requeueAfterMs: this.pollMs };
    }
    status.sourceType = manifests.sourceType;
    status.conditions = setCondition(status.conditions, 'RevisionNote', rev.note, now);
    if (manifests.errors.length > 0) {
      status.sync = { status: 'Unknown', revision: rev.sha, comparedTo };
      status.conditions = setCondition(
        status.conditions,
        'ComparisonError',
        rejectedRevisionMessage(rev.sha, manifests.errors, status.history?.at(-1)?.revision),
        now,
      );
      const result = await this.continueOperation(app, status, source, destNs, now, log);
      await this.writeStatus(app, status, now);
      return { requeueAfterMs: result ?? this.revisions.untilNextCheck(key, now) };
    }
    status.conditions = setCondition(status.conditions, 'ComparisonError', undefined, now);

    // 3. Compare with the live objects this app tracks.
    const appName = app.metadata.name ?? '';
    const live = this.tracked.liveOf(appName);
    const diffs = diffResources(manifests.desired, live, {
      namespace: destNs,
      ignoreDifferences: app.spec?.ignoreDifferences,
      render: false,
    });
    const healthOf = (l: KObject | undefined) => assessHealth(l, l ? this.tracked.childrenOf(l) : []);
    status.resources = resourceStatuses(diffs, healthOf);
    const syncStatus = syncStatusOf(diffs);
    status.sync = { status: syncStatus, revision: rev.sha, comparedTo };
    status.health = appHealthOf(status.resources);
    status.summary = { images: imagesOf(manifests.desired) };
    if (syncStatus === 'Synced') {
      this.selfHeal.delete(key);
    }

    // 4. Start an operation when one is asked for or the automated policy calls for it.
    let requeue: number | undefined;
    const running = status.operationState?.phase === 'Running';
    if (!running) {
      requeue = await this.maybeStart(
        app,
        status,
        source,
        { sha: rev.sha, syncStatus, desiredCount: manifests.desired.length },
        now,
        log,
      );
    }
    if (status.operationState?.phase === 'Running') {
      requeue = await this.continueOperation(app, status, source, destNs, now, log);
    }
    // compared with (and events relative to) what this pass may already have written
    await this.writeStatus(this.writer.current(key, app) ?? app, status, now);
    if (status.operationState && isCompleted(status.operationState.phase) && app.operation) {
      await this.writer.clearOperation(app);
    }
    return {
      requeueAfterMs: Math.min(requeue ?? Number.POSITIVE_INFINITY, this.revisions.untilNextCheck(key, now)),
    };
  }

  /** Starts a sync when one is asked for or due; returns when to look again if it must wait. */
  private async maybeStart(
    app: KObject,
    status: ApplicationStatus,
    source: Source,
    input: Omit<StartInput, 'app' | 'previous' | 'now' | 'selfHeal'>,
    now: Date,
    log: Logger | undefined,
  ): Promise<number | undefined> {
    const key = objectKey(app);
    const decision = decideSync({
      ...input,
      app,
      previous: status.operationState,
      now,
      selfHeal: this.selfHeal.get(key),
    });
    status.conditions = setCondition(
      status.conditions,
      'SyncError',
      decision.kind === 'none' ? decision.error : undefined,
      now,
    );
    if (decision.kind === 'none') {
      return undefined;
    }
    if (decision.kind === 'wait') {
      return decision.ms;
    }
    const windows = evaluateSyncWindows(app.spec?.syncWindows ?? [], app, now, decision.manual);
    status.conditions = setCondition(
      status.conditions,
      'SyncBlocked',
      windows.allowed ? undefined : `sync blocked by ${windows.blockedBy ?? 'a sync window'}`,
      now,
    );
    if (!windows.allowed) {
      return this.pollMs;
    }
    const id = randomBytes(6).toString('hex');
    let revision = input.sha;
    if (decision.otherRevision) {
      try {
        const creds = await repoCredentialsFor(this.opts.client, app, source.repoURL);
        revision = (await this.git.resolve(source.repoURL, decision.otherRevision, creds)).sha;
      } catch (e) {
        const failed = newOperationState(decision.operation, decision.otherRevision, source, now, id);
        status.operationState = this.finish(
          app,
          {
            ...failed,
            phase: 'Error',
            message: `cannot resolve revision ${decision.otherRevision}: ${(e as Error).message}`,
          },
          now,
        );
        return undefined;
      }
    }
    if (decision.selfHeal) {
      const prev = this.selfHeal.get(key);
      this.selfHeal.set(key, { attempts: (prev?.attempts ?? 0) + 1, lastFinishedMs: now.getTime() });
      log?.info({ revision }, 'self-heal: reverting drift');
    }
    status.operationState = newOperationState(decision.operation, revision, source, now, id);
    this.startedAt.set(id, Date.now());
    const started = operationStartedEvent(status.operationState);
    this.opts.recorder?.event(app, started.type, started.reason, started.message);
    log?.info({ revision, manual: decision.manual }, 'sync started');
    if (decision.selfHeal) {
      // Users (and `app wait`, the dashboard) see the drift before it is reverted, even when the
      // heal finishes within this pass: the OutOfSync status is written first.
      await this.writeStatus(app, status, now);
    }
    return 0;
  }

  /** Runs one step of the running operation (if any), updating status; returns the requeue delay. */
  private async continueOperation(
    app: KObject,
    status: ApplicationStatus,
    source: Source,
    destNs: string | undefined,
    now: Date,
    log: Logger | undefined,
  ): Promise<number | undefined> {
    const op = status.operationState;
    if (op?.phase !== 'Running') {
      return undefined;
    }
    let manifests: RevisionManifests;
    try {
      manifests = await this.manifests.get(app.metadata.name ?? '', source, destNs, op.syncResult.revision);
    } catch (e) {
      status.operationState = this.finish(app, { ...op, phase: 'Error', message: (e as Error).message }, now);
      return undefined;
    }
    if (manifests.errors.length > 0) {
      const msg = `revision ${op.syncResult.revision.slice(0, 7)} is invalid: ${manifests.errors.slice(0, 3).map(formatManifestError).join('; ')}`;
      status.operationState = this.finish(app, { ...op, phase: 'Failed', message: msg }, now);
      return undefined;
    }
    const options = appSyncOptions(app, op.operation.sync?.syncOptions);
    if (isTrue(options, 'CreateNamespace') && destNs) {
      const ns = await ensureNamespace(this.opts.client, destNs, app.metadata.name ?? '');
      if (!ns.ok) {
        log?.warn({ namespace: destNs, err: ns.message }, 'cannot create namespace');
      }
    }
    const appName = app.metadata.name ?? '';
    const result = await stepOperation({
      client: this.opts.client,
      app,
      state: op,
      desired: manifests.desired,
      hooks: manifests.hooks,
      live: this.tracked.liveOf(appName),
      healthOf: (l) => assessHealth(l, this.tracked.childrenOf(l)),
      now,
      diffOptions: { namespace: destNs, ignoreDifferences: app.spec?.ignoreDifferences },
    });
    status.operationState = isCompleted(result.state.phase)
      ? this.finish(app, result.state, now)
      : result.state;
    if (status.operationState.phase === 'Succeeded') {
      status.history = appendHistory(
        status.history,
        status.operationState,
        source,
        typeof app.spec?.revisionHistoryLimit === 'number' ? app.spec.revisionHistoryLimit : undefined,
      );
    }
    return result.requeueAfterMs;
  }

  private finish(app: KObject, op: OperationState, now: Date): OperationState {
    const done: OperationState = {
      ...op,
      finishedAt: op.finishedAt ?? rfc3339(now),
      step: { kind: 'Finish' },
    };
    const key = objectKey(app);
    const sh = this.selfHeal.get(key);
    if (sh) {
      sh.lastFinishedMs = now.getTime();
    } else if (op.operation.initiatedBy?.automated) {
      this.selfHeal.set(key, { attempts: 0, lastFinishedMs: now.getTime() });
    }
    const completed = operationCompletedEvent(done);
    this.opts.recorder?.event(app, completed.type, completed.reason, completed.message);
    const t0 = (done.id && this.startedAt.get(done.id)) || Date.parse(done.startedAt);
    this.startedAt.delete(done.id ?? '');
    countSync(app, done.phase, (Date.now() - t0) / 1000);
    this.opts.logger?.info(
      { app: app.metadata.name, phase: done.phase, message: done.message },
      'sync finished',
    );
    return done;
  }

  private forget(key: string): void {
    this.revisions.forget(key);
    this.writer.forget(key);
    this.selfHeal.delete(key);
  }
}
