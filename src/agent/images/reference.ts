// Image references (`busybox`, `host:5000/team/app:1.2`, `repo@sha256:…`): parsing, validation and
// normalization to the fully qualified form the image store keys its records by. Pure.
import { ImageError } from '../types.js';

export interface ImageReference {
  /** Registry host as written in the reference, `docker.io` for Docker Hub (`127.0.0.1:5000`, `ghcr.io`). */
  readonly registry: string;
  /** Repository path inside the registry (`library/busybox`). */
  readonly repository: string;
  /** Tag; `latest` when the reference names neither a tag nor a digest. */
  readonly tag?: string;
  /** Manifest digest (`sha256:<64 hex>`), which wins over the tag when both are given. */
  readonly digest?: string;
}

export const DOCKER_HUB = 'docker.io';
const MAX_NAME_LENGTH = 255;

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_LABEL = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6_HOST = /^\[[0-9a-fA-F:.]+\]$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;
const DIGEST_SHAPE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

function invalid(ref: string, why: string): ImageError {
  return new ImageError('InvalidImageName', `invalid image reference ${JSON.stringify(ref)}: ${why}`);
}

/** True when the first path element names a registry host rather than a Docker Hub namespace. */
function looksLikeDomain(first: string): boolean {
  return first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase();
}

function validateDomain(ref: string, domain: string): void {
  let host = domain;
  const portMatch = /^(.*):([0-9]+)$/.exec(domain);
  if (portMatch) {
    host = portMatch[1]!;
    const port = Number(portMatch[2]);
    if (port < 1 || port > 65535) {
      throw invalid(ref, `registry port ${portMatch[2]} is out of range`);
    }
  } else if (domain.includes(':') && !IPV6_HOST.test(domain)) {
    throw invalid(ref, `registry ${JSON.stringify(domain)} has a malformed port`);
  }
  if (IPV6_HOST.test(host)) {
    return;
  }
  if (host.length === 0 || !host.split('.').every((label) => DOMAIN_LABEL.test(label))) {
    throw invalid(ref, `registry host ${JSON.stringify(host)} is not a valid host name`);
  }
}

/** Validates a manifest digest; only sha256 is supported because that is what the store verifies. */
export function validateDigest(digest: string, context = digest): void {
  if (!DIGEST_SHAPE.test(digest)) {
    throw invalid(context, `digest ${JSON.stringify(digest)} is not of the form algorithm:hex`);
  }
  if (!digest.startsWith('sha256:')) {
    throw invalid(
      context,
      `digest algorithm ${JSON.stringify(digest.split(':')[0])} is not supported (sha256 only)`,
    );
  }
  if (!SHA256_DIGEST.test(digest)) {
    throw invalid(context, 'a sha256 digest must be 64 lowercase hexadecimal characters');
  }
}

/** Parses and validates a reference; throws ImageError('InvalidImageName') with the reason. */
export function parseReference(input: string): ImageReference {
  const ref = input.trim();
  if (ref.length === 0) {
    throw invalid(input, 'the reference is empty');
  }
  if (/\s/.test(ref)) {
    throw invalid(input, 'the reference contains whitespace');
  }
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    validateDigest(digest, input);
  }
  // A tag is the part after the last ':' that is not followed by a '/' (a ':' before a '/' is a port).
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) {
      throw invalid(
        input,
        `tag ${JSON.stringify(tag)} must be 1-128 characters of letters, digits, '_', '.' or '-' and not start with '.' or '-'`,
      );
    }
  }
  if (rest.length === 0) {
    throw invalid(input, 'the repository name is empty');
  }
  const parts = rest.split('/');
  let registry = DOCKER_HUB;
  if (parts.length > 1 && looksLikeDomain(parts[0]!)) {
    registry = parts.shift()!;
    validateDomain(input, registry);
  }
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') {
    registry = DOCKER_HUB;
  }
  for (const part of parts) {
    if (part.length === 0) {
      throw invalid(input, 'the repository name has an empty path component');
    }
    if (part !== part.toLowerCase()) {
      throw invalid(input, `repository name must be lowercase (${JSON.stringify(part)})`);
    }
    if (!PATH_COMPONENT.test(part)) {
      throw invalid(
        input,
        `repository path component ${JSON.stringify(part)} may only hold lowercase letters, digits and single separators (., _, __, -)`,
      );
    }
  }
  if (registry === DOCKER_HUB && parts.length === 1) {
    parts.unshift('library');
  }
  const repository = parts.join('/');
  if (registry.length + 1 + repository.length > MAX_NAME_LENGTH) {
    throw invalid(input, `the name is longer than ${MAX_NAME_LENGTH} characters`);
  }
  if (tag === undefined && digest === undefined) {
    tag = 'latest';
  }
  return {
    registry,
    repository,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/** The fully qualified form: `registry/repository[:tag][@digest]`. */
export function formatReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${
    ref.digest !== undefined ? `@${ref.digest}` : ''
  }`;
}

/** Parses and re-formats: `busybox` → `docker.io/library/busybox:latest`. */
export function normalizeReference(input: string): string {
  return formatReference(parseReference(input));
}

/** What to ask the registry's manifest endpoint for: the digest when pinned, else the tag. */
export function manifestReference(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

/** The host the Distribution API is served from (Docker Hub's API is not on docker.io itself). */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB ? 'registry-1.docker.io' : registry;
}
