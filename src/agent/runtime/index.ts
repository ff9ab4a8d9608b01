// The node agent's container runtime: OCI bundles run by real runc under a small C shim
// (gantry-shim, a conmon) that owns the container's stdio, writes the CRI log and records the exit
// status, so containers survive an agent restart and are adopted by the next one. Cgroup helpers
// (v1 and v2) and the CRI log reader live here too. It must not decide what runs: the kubelet does.
export {
  cgroupExists,
  detectCgroupVersion,
  podCgroupParent,
  removeCgroup,
  removePodCgroup,
} from './cgroups.js';
export { type CriLine, type CriRecord, formatCriRecord, parseCriRecord } from './cri-log.js';
export { type ExitRecord, parseExitRecord, START_ERROR_EXIT_CODE } from './exit-status.js';
export { readCriLog } from './log-reader.js';
export { buildOciSpec, type CgroupVersion, DEFAULT_CAPABILITIES, effectiveCapabilities } from './oci-spec.js';
export { RuncError } from './runc-cli.js';
export { defaultShimPath, RuncRuntime, type RuncRuntimeOptions } from './runc-runtime.js';
