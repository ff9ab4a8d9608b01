// src/ui: the server side of the web dashboard (the browser app itself is ui/, built into
// dist/ui): static files under /ui/, the /ui/api endpoints (tree, diff, commit metadata,
// sync/refresh/rollback, Rollout view and controls) and their auth, mounted on the API server.
// Must not: hold logic the CLI also needs (that lives in src/sync and src/rollout and is called
// from here), touch the store except through the Client, or serve anything from outside dist/ui.
export {
  type Dashboard,
  type DashboardHost,
  type DashboardOptions,
  mountDashboard,
  UI_PATH,
} from './server.js';
export { applicationTree, ROOT_ID, rolloutRoles, type TreeNode, type TreeSync } from './tree.js';
