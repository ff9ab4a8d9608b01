// `gantry app diff`: the computation lives in src/sync/app-diff.ts (the dashboard shows the same
// diff); this module keeps the CLI's import path.
export {
  type AppDiff,
  type AppDiffOptions,
  desiredObjects,
  diffApplication,
  liveObjects,
} from '../sync/app-diff.js';
