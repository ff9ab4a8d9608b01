// Reading OCI image layouts (`oci-layout`, `index.json`, `blobs/<alg>/<hex>`) as a blob source for the
// image store: `gantry image import DIR` and the demo's self-built images.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalImage } from '../types.js';
import { ImageError } from '../types.js';
import type { BlobSource } from './local-image-store.js';
import { type Descriptor, type ManifestDocument, MediaType, parseManifest } from './manifest.js';
import { normalizeReference } from './reference.js';

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
export const CONTAINERD_NAME_ANNOTATION = 'io.containerd.image.name';

export type InstallFn = (
  key: string,
  topDigest: string,
  doc: ManifestDocument,
  source: BlobSource,
  topBody: Buffer,
) => Promise<LocalImage>;

function blobFile(dir: string, digest: string): string {
  const [alg, hex] = digest.split(':');
  return join(dir, 'blobs', alg!, hex!);
}

async function readVerified(dir: string, desc: Pick<Descriptor, 'digest' | 'size'>): Promise<Buffer> {
  let data: Buffer;
  try {
    data = await readFile(blobFile(dir, desc.digest));
  } catch (err) {
    throw new ImageError('ErrImagePull', `layout ${dir}: blob ${desc.digest} is missing`, { cause: err });
  }
  const got = `sha256:${createHash('sha256').update(data).digest('hex')}`;
  if (got !== desc.digest || data.length !== desc.size) {
    throw new ImageError(
      'ErrImagePull',
      `layout ${dir}: digest mismatch for blob ${desc.digest} (content is ${got})`,
    );
  }
  return data;
}

/** The reference an index entry is imported as. */
export function layoutEntryRef(desc: Descriptor, index: number, dir: string): string {
  const full = desc.annotations?.[CONTAINERD_NAME_ANNOTATION];
  if (full) {
    return normalizeReference(full);
  }
  const name = desc.annotations?.[REF_NAME_ANNOTATION];
  if (!name) {
    throw new ImageError(
      'InvalidImageName',
      `layout ${dir}: index.json entry ${index} (${desc.digest}) has no ${REF_NAME_ANNOTATION} annotation; give a reference to import it as`,
    );
  }
  if (!name.includes('/') && !name.includes(':') && !name.includes('@')) {
    throw new ImageError(
      'InvalidImageName',
      `layout ${dir}: index.json entry ${index} is named only ${JSON.stringify(name)} (a tag); give a full reference to import it as`,
    );
  }
  return normalizeReference(name);
}

/** Imports every image named in the layout's index.json (or the only one, as `refOverride`). */
export async function importOciLayout(
  dir: string,
  refOverride: string | undefined,
  install: InstallFn,
): Promise<LocalImage[]> {
  let layoutFile: unknown;
  try {
    layoutFile = JSON.parse(await readFile(join(dir, 'oci-layout'), 'utf8'));
  } catch (err) {
    throw new ImageError('ErrImagePull', `${dir} is not an OCI image layout (no readable oci-layout file)`, {
      cause: err,
    });
  }
  const version = (layoutFile as { imageLayoutVersion?: unknown }).imageLayoutVersion;
  if (version !== '1.0.0') {
    throw new ImageError(
      'ErrImagePull',
      `layout ${dir}: unsupported imageLayoutVersion ${JSON.stringify(version)}`,
    );
  }
  let indexBody: Buffer;
  try {
    indexBody = await readFile(join(dir, 'index.json'));
  } catch (err) {
    throw new ImageError('ErrImagePull', `layout ${dir}: index.json is missing`, { cause: err });
  }
  const index = parseManifest(indexBody, MediaType.ociIndex, `layout ${dir}: index.json`);
  if (index.kind !== 'index') {
    throw new ImageError('ErrImagePull', `layout ${dir}: index.json is not an image index`);
  }
  if (index.manifests.length === 0) {
    throw new ImageError('ErrImagePull', `layout ${dir}: index.json lists no images`);
  }
  if (refOverride !== undefined && index.manifests.length !== 1) {
    throw new ImageError(
      'InvalidImageName',
      `layout ${dir} holds ${index.manifests.length} images; a reference to import as needs exactly one`,
    );
  }
  // Resolve every name first, so a bad entry imports nothing.
  const entries = index.manifests.map((desc, i) => ({
    desc,
    key: refOverride !== undefined ? normalizeReference(refOverride) : layoutEntryRef(desc, i, dir),
  }));
  const source: BlobSource = {
    describe: `layout ${dir}`,
    async manifest(digest) {
      const desc = index.manifests.find((m) => m.digest === digest);
      const data = desc ? await readVerified(dir, desc) : await readFile(blobFile(dir, digest));
      if (!desc && `sha256:${createHash('sha256').update(data).digest('hex')}` !== digest) {
        throw new ImageError('ErrImagePull', `layout ${dir}: digest mismatch for manifest ${digest}`);
      }
      return parseManifest(data, undefined, `layout ${dir}: manifest ${digest}`);
    },
    async blob(desc) {
      try {
        return createReadStream(blobFile(dir, desc.digest));
      } catch (err) {
        throw new ImageError('ErrImagePull', `layout ${dir}: blob ${desc.digest} is missing`, { cause: err });
      }
    },
  };
  const out: LocalImage[] = [];
  for (const { desc, key } of entries) {
    const body = await readVerified(dir, desc);
    const doc = parseManifest(body, desc.mediaType, `layout ${dir}: manifest ${desc.digest}`);
    out.push(await install(key, desc.digest, doc, source, body));
  }
  return out;
}
