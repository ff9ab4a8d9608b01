// Blue/green without a traffic router (Argo Rollouts semantics): the preview Service points at the
// new ReplicaSet, the active Service at the stable one; once the new ReplicaSet is fully available
// and promotion is approved (auto, after autoPromotionSeconds, or by the user), the active Service
// is switched in one update; the old ReplicaSet is scaled down after scaleDownDelaySeconds.
import type { KObject } from '../../api/types.js';
import {
  ROLLOUT_HASH_LABEL,
  type RolloutCtx,
  requeueIn,
  SCALE_DOWN_DEADLINE,
  scaleDownAfter,
  viewOf,
} from './context.js';

interface BlueGreenSpec {
  activeService?: string;
  previewService?: string;
  autoPromotionEnabled?: boolean;
  autoPromotionSeconds?: number;
  previewReplicaCount?: number;
  scaleDownDelaySeconds?: number;
  abortScaleDownDelaySeconds?: number;
}

export const BLUE_GREEN_PAUSE = 'BlueGreenPause';

function selectorHash(svc: KObject | undefined): string | undefined {
  return svc?.spec?.selector?.[ROLLOUT_HASH_LABEL];
}

function pointAt(c: RolloutCtx, svc: KObject, hash: string): void {
  if (selectorHash(svc) !== hash) {
    c.extra.push({ kind: 'patchServiceSelector', service: svc, hash });
  }
}

/** Replicas the new ReplicaSet gets before promotion. */
export function blueGreenInitialReplicas(ro: KObject, replicas: number, activeExists: boolean): number {
  const bg: BlueGreenSpec = ro.spec?.strategy?.blueGreen ?? {};
  return activeExists && typeof bg.previewReplicaCount === 'number'
    ? Math.min(Math.max(0, bg.previewReplicaCount), replicas)
    : replicas;
}

/** Promotion approved: promote --full, automatic promotion, its timer, or a pause the user lifted. */
function approved(c: RolloutCtx, bg: BlueGreenSpec, previewReady: boolean): boolean {
  const ctl = c.controls;
  if (ctl.promoteFull) {
    return true;
  }
  if (c.paused || !previewReady) {
    return false;
  }
  const auto = bg.autoPromotionEnabled !== false;
  const seconds = Number(bg.autoPromotionSeconds ?? 0);
  if (auto && !(seconds > 0)) {
    return true;
  }
  const pause = ctl.pauseConditions.find((p) => p.reason === BLUE_GREEN_PAUSE);
  if (pause) {
    if (auto && seconds > 0) {
      const due = Date.parse(pause.startTime) + seconds * 1000;
      if (!Number.isNaN(due) && due <= c.now.getTime()) {
        ctl.pauseConditions = ctl.pauseConditions.filter((p) => p !== pause);
        return true;
      }
      requeueIn(c, Number.isNaN(due) ? 1000 : due - c.now.getTime());
    }
    return false;
  }
  if (ctl.controllerPause) {
    return true; // the controller paused and the user cleared the pause: promoted
  }
  ctl.pauseConditions = [
    ...ctl.pauseConditions,
    { reason: BLUE_GREEN_PAUSE, startTime: c.now.toISOString().replace(/\.\d{3}Z$/, 'Z') },
  ];
  ctl.controllerPause = true;
  if (auto && seconds > 0) {
    requeueIn(c, seconds * 1000);
  }
  return false;
}

export function planBlueGreen(c: RolloutCtx): void {
  const bg: BlueGreenSpec = c.ro.spec?.strategy?.blueGreen ?? {};
  const active = bg.activeService ? c.services.get(bg.activeService) : undefined;
  const preview = bg.previewService ? c.services.get(bg.previewService) : undefined;
  if (!active || (bg.previewService && !preview)) {
    const missing = !active ? bg.activeService : bg.previewService;
    c.invalid = `service "${missing ?? ''}" not found`;
    return;
  }
  const R = c.replicas;
  let activeHash = selectorHash(active);
  const activeView = viewOf(c, activeHash);
  const newName = c.newName;
  const isNewActive = activeHash === c.newHash;
  const ctl = c.controls;

  if (c.work.annotation(newName, SCALE_DOWN_DEADLINE) !== undefined && !ctl.abort) {
    c.work.annotate(newName, { [SCALE_DOWN_DEADLINE]: null }); // coming back (retry, undo)
  }
  if (!activeView) {
    // nothing serves yet (first deploy, or the active ReplicaSet is gone): serve the new one at once
    if (c.work.replicas(newName) !== R) {
      c.work.scale(newName, R);
    }
    pointAt(c, active, c.newHash);
    activeHash = c.newHash;
  } else if (isNewActive) {
    if (c.work.replicas(newName) !== R) {
      c.work.scale(newName, R);
    }
  } else if (ctl.abort) {
    if (c.newView) {
      scaleDownAfter(c, c.newView, abortDelay(bg));
    }
  } else {
    const previewTarget = blueGreenInitialReplicas(c.ro, R, true);
    const v = c.newView;
    const previewReady =
      v !== undefined && v.specReplicas >= previewTarget && v.available >= Math.min(previewTarget, R);
    const ok = approved(c, bg, previewReady);
    const target = ok ? R : previewTarget;
    if (c.work.replicas(newName) !== target) {
      c.work.scale(newName, target);
    }
    if (ok && !c.paused && v && v.specReplicas === R && v.available >= R) {
      pointAt(c, active, c.newHash);
      activeHash = c.newHash;
      ctl.pauseConditions = ctl.pauseConditions.filter((p) => p.reason !== BLUE_GREEN_PAUSE);
      ctl.controllerPause = false;
      ctl.promoteFull = false;
    }
  }
  // The active ReplicaSet keeps every replica and no deadline.
  const nowActive = viewOf(c, activeHash);
  if (nowActive && nowActive.name !== newName) {
    if (c.work.replicas(nowActive.name) !== R) {
      c.work.scale(nowActive.name, R);
    }
    if (c.work.annotation(nowActive.name, SCALE_DOWN_DEADLINE) !== undefined) {
      c.work.annotate(nowActive.name, { [SCALE_DOWN_DEADLINE]: null });
    }
  }
  // Everything else goes after its delay.
  for (const v of c.views) {
    if (v.hash === activeHash || v.name === newName) {
      continue;
    }
    scaleDownAfter(c, v, Math.max(0, Number(bg.scaleDownDelaySeconds ?? 30)));
  }
  const previewHash = ctl.abort && activeHash ? activeHash : c.newHash;
  if (preview) {
    pointAt(c, preview, previewHash);
  }
  c.activeSelector = activeHash;
  c.previewSelector = preview ? previewHash : undefined;
  if (activeHash && viewOf(c, activeHash)) {
    c.stableHash = activeHash;
  } else if (activeHash === c.newHash) {
    c.stableHash = c.newHash;
  }
}

/** abortScaleDownDelaySeconds: default 30; 0 keeps the aborted ReplicaSet running. */
function abortDelay(bg: BlueGreenSpec): number | undefined {
  const v = bg.abortScaleDownDelaySeconds;
  if (v === 0) {
    return undefined;
  }
  return typeof v === 'number' && v > 0 ? v : 30;
}
