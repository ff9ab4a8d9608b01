// src/promote: the git side of the two release workflows. Promotion copies what one environment
// runs (images, or the whole spec but environment-specific fields) into another environment's
// folder as a commit on `promote/<app>/<from>-to-<to>-<sha>`, pushed, opened as a pull request
// (octokit, GitHub or GitHub Enterprise) or merged; rollback reverts the commits that touched an
// app's folder since a revision, as one commit. The sync engine (src/sync) then rolls the cluster
// forward or back. Must not touch the cluster: the Client is used only to READ Applications (source
// health, sync history) and the token Secret.
export * from './environments.js';
export * from './errors.js';
export * from './git.js';
export * from './github.js';
export * from './ignore.js';
export * from './layout.js';
export * from './plan.js';
export * from './promote.js';
export * from './revision.js';
export * from './rollback.js';
export * from './yaml-edit.js';
