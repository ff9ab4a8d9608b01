// src/agent/images: the node's image store — image references, a Distribution v2 registry client,
// a content store of verified blobs and unpacked layers (OCI whiteouts in overlayfs format), overlay
// root file systems, OCI layout import, and the project's own busybox image builder.
// Must not: run containers, decide placement, or talk to the control plane.
export * from './build-busybox-image.js';
export * from './content-store.js';
export * from './layer-unpack.js';
export * from './layout-import.js';
export * from './local-image-store.js';
export * from './manifest.js';
export * from './oci-layout-writer.js';
export * from './overlay-mount.js';
export * from './reference.js';
export * from './registry-auth.js';
export * from './registry-client.js';
export * from './tar-reader.js';
export * from './tar-writer.js';
