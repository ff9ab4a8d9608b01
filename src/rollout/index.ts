// src/rollout: the Deployment (apps/v1) and Rollout (argoproj.io/v1alpha1) controllers. A new
// version rolls out by creating a ReplicaSet for the new pod template and shifting replica counts
// between ReplicaSets (rolling update, Recreate, blue/green with Service selector switches,
// replica-weighted canary). Each strategy is a pure planner — plan(object, replicaSets, pods,
// [services,] now) → actions + status — and the controllers are thin executors over the Client.
// Must not: run containers or talk to nodes (the ReplicaSet controller creates pods, the agent runs
// them), read the store except through the Client, or keep state a restart would lose.
export { executeReplicaSetAction, HashCollisionError } from './common/executor.js';
export { type Fenceposts, resolveFenceposts, scaledValue } from './common/int-or-percent.js';
export type { ReplicaSetAction } from './common/work.js';
export { DeploymentController, type DeploymentControllerOptions } from './deployment/controller.js';
export {
  DESIRED_REPLICAS,
  type DeploymentAction,
  type DeploymentPlan,
  type DeploymentStatus,
  MAX_REPLICAS,
  POD_TEMPLATE_HASH,
  planDeployment,
  REVISION,
  REVISION_HISTORY,
} from './deployment/plan.js';
export { canaryTargets, weightAt } from './rollout/canary.js';
export {
  MANAGED_BY,
  ROLLOUT_HASH_LABEL,
  ROLLOUT_REVISION,
  type RolloutAction,
  SCALE_DOWN_DEADLINE,
} from './rollout/context.js';
export { RolloutController, type RolloutControllerOptions } from './rollout/controller.js';
export {
  abortRolloutPatch,
  pauseRolloutPatch,
  promoteRolloutPatch,
  RolloutControlError,
  type RolloutPatches,
  restartRolloutPatch,
  resumeRolloutPatch,
  retryRolloutPatch,
  undoRolloutPatch,
} from './rollout/controls.js';
export { planRollout, type RolloutPlan } from './rollout/plan.js';
