import type { CancelFlag } from '../../cancel.ts';
import { InputError } from '../../errors.ts';
import type { ByteCache } from './byteCache.ts';
import { fetchBytes } from './fetchBytes.ts';
import type { ModelFiles } from './modelFiles.ts';
import { validateModelFile } from './validateFile.ts';

/**
 * Model files over HTTP: any URL folder (the embedded model is one, served next to the app), or a
 * Hugging Face hub repository through its resolve URLs, `<base>/<repo>/resolve/<revision>/<file>`
 * (plain GETs the hub redirects to its CDN). The hub base URL is configurable so tests serve the same
 * layout from 127.0.0.1.
 */
export const HUB_BASE_URL = 'https://huggingface.co';

export interface RemoteOptions {
  cache?: ByteCache;
  cancel?: CancelFlag;
  fetchImpl?: typeof fetch;
}

export class UrlFolder implements ModelFiles {
  readonly base: string;
  /** URLs read through the cache by this folder, for `evictCached`. */
  private readonly read = new Set<string>();

  constructor(
    base: string,
    protected readonly options: RemoteOptions = {},
    readonly label = base,
  ) {
    try {
      this.base = new URL(base.endsWith('/') ? base : `${base}/`).href;
    } catch {
      throw new InputError(`"${base}" is not a URL`, 'expected the address of a folder holding config.json and model.safetensors');
    }
  }

  /**
   * The URL of a file in this folder. Only plain relative names resolve (no `..`, no absolute path,
   * no other host): every file of a model comes from its own folder on its own origin.
   */
  url(file: string): string {
    const href = /^[A-Za-z0-9_][\w.-]*(\/[A-Za-z0-9_][\w.-]*)*$/.test(file) ? new URL(file, this.base).href : undefined;
    if (!href?.startsWith(this.base)) {
      throw new InputError(`The file name ${JSON.stringify(file).slice(0, 120)} points outside ${this.label}`, 'model files are read from the model\'s own folder only');
    }
    return href;
  }

  async get(file: string, onBytes?: (done: number, total: number | undefined) => void): Promise<ArrayBuffer | undefined> {
    const url = this.url(file);
    this.read.add(url);
    const size = await this.listedSize(file, url);
    const validate = (bytes: ArrayBuffer) => {
      if (size !== undefined && bytes.byteLength !== size) throw new InputError(`${file} has ${bytes.byteLength} bytes but the listing says ${size}`, 'a download cut off early looks like this');
      validateModelFile(file, bytes);
    };
    return fetchBytes(url, { ...this.options, onBytes, validate });
  }

  /** The file's size where the source lists it (the hub's API does). */
  protected async listedSize(_file: string, _url: string): Promise<number | undefined> {
    return undefined;
  }

  async evictCached(): Promise<number> {
    let evicted = 0;
    for (const url of this.read) {
      if (!(await this.options.cache?.has(url))) continue;
      await this.options.cache!.delete(url);
      evicted++;
    }
    return evicted;
  }
}

/**
 * Revisions known to hold a safetensors conversion when `main` has only pytorch_model.bin. The hub's
 * conversion bot opens these as pull requests: facebook/opt-125m's is refs/pr/35.
 */
export const KNOWN_SAFETENSORS_REVISIONS: Record<string, string> = {
  'facebook/opt-125m': 'refs/pr/35',
};

export function parseRepoId(text: string): { repo: string; revision: string } {
  const [repo, revision = 'main'] = text.trim().split('@');
  if (!/^[A-Za-z0-9][\w.-]*\/[\w.-]+$/.test(repo) || revision.length === 0) {
    throw new InputError(`"${text}" is not a hub model id`, 'expected owner/name, optionally @revision (e.g. facebook/opt-125m@main)');
  }
  return { repo, revision };
}

export class HubRepo extends UrlFolder {
  constructor(
    readonly repo: string,
    readonly revision: string,
    private readonly hubOptions: RemoteOptions & { baseUrl?: string } = {},
  ) {
    super(`${(hubOptions.baseUrl ?? HUB_BASE_URL).replace(/\/$/, '')}/${repo}/resolve/${encodeURIComponent(revision)}/`, hubOptions, `${repo}@${revision}`);
  }

  /** This revision when it has safetensors weights, else the known or listed conversion revision. */
  async weightsFiles(): Promise<{ files: ModelFiles; note?: string }> {
    if (await this.hasSafetensors(this)) return { files: this };
    if (this.revision === 'main') {
      for (const revision of await this.candidateRevisions()) {
        const other = new HubRepo(this.repo, revision, this.hubOptions);
        if (await this.hasSafetensors(other)) {
          return { files: other, note: `${this.repo} has no model.safetensors on main; the weights come from revision ${revision} (the hub's safetensors conversion)` };
        }
      }
    }
    throw new InputError(
      `${this.repo}@${this.revision} has no safetensors weights`,
      'the browser reads model.safetensors (or a sharded model.safetensors.index.json), not pytorch_model.bin; pick a revision that has them',
    );
  }

  private async hasSafetensors(repo: HubRepo): Promise<boolean> {
    if (await this.options.cache?.has(repo.url('model.safetensors'))) return true;
    // Ask the API for the file list; without it, look for the index, then start (and drop) a GET of the weights.
    const files = await repo.listFiles();
    if (files) return files.includes('model.safetensors') || files.includes('model.safetensors.index.json');
    return (await repo.get('model.safetensors.index.json')) !== undefined || (await probe(repo.url('model.safetensors'), this.hubOptions.fetchImpl));
  }

  private listing: Promise<Map<string, number | undefined> | undefined> | undefined;

  /** The repo's file names at this revision from the hub API, or undefined when the API is unavailable. */
  async listFiles(): Promise<string[] | undefined> {
    const listing = await this.fileListing();
    return listing && [...listing.keys()];
  }

  /** A file's size from the hub's listing, fetched once and only for a file that is not cached. */
  protected override async listedSize(file: string, url: string): Promise<number | undefined> {
    if (await this.options.cache?.has(url)) return undefined;
    return (await this.fileListing())?.get(file);
  }

  /** File name → size (when the API gives it, `blobs=true`) at this revision. */
  private fileListing(): Promise<Map<string, number | undefined> | undefined> {
    this.listing ??= (async () => {
      const base = (this.hubOptions.baseUrl ?? HUB_BASE_URL).replace(/\/$/, '');
      const url = `${base}/api/models/${this.repo}/revision/${encodeURIComponent(this.revision)}?blobs=true`;
      const bytes = await fetchBytes(url, { fetchImpl: this.hubOptions.fetchImpl, cancel: this.hubOptions.cancel }).catch(() => undefined);
      if (!bytes) return undefined;
      try {
        const info = JSON.parse(new TextDecoder().decode(bytes)) as { siblings?: { rfilename?: unknown; size?: unknown }[] };
        if (!Array.isArray(info.siblings)) return undefined;
        const listing = new Map<string, number | undefined>();
        for (const sibling of info.siblings) {
          if (typeof sibling?.rfilename !== 'string') continue;
          listing.set(sibling.rfilename, Number.isSafeInteger(sibling.size) && (sibling.size as number) >= 0 ? (sibling.size as number) : undefined);
        }
        return listing;
      } catch {
        return undefined;
      }
    })();
    return this.listing;
  }

  private async candidateRevisions(): Promise<string[]> {
    const known = KNOWN_SAFETENSORS_REVISIONS[this.repo];
    const listed = await this.listPullRequestRefs();
    return [...new Set([...(known ? [known] : []), ...listed])];
  }

  /** Pull-request refs from the hub API (newest first), where conversion bots put safetensors. */
  private async listPullRequestRefs(): Promise<string[]> {
    const base = (this.hubOptions.baseUrl ?? HUB_BASE_URL).replace(/\/$/, '');
    const bytes = await fetchBytes(`${base}/api/models/${this.repo}/refs?include_prs=1`, { fetchImpl: this.hubOptions.fetchImpl, cancel: this.hubOptions.cancel }).catch(() => undefined);
    if (!bytes) return [];
    try {
      const refs = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
      const names: string[] = [];
      for (const list of Object.values(refs)) {
        if (!Array.isArray(list)) continue;
        for (const item of list as { ref?: unknown }[]) if (typeof item?.ref === 'string' && item.ref.startsWith('refs/pr/')) names.push(item.ref);
      }
      return names.sort((a, b) => Number(b.split('/').pop()) - Number(a.split('/').pop()));
    } catch {
      return [];
    }
  }
}

/** True when a GET of `url` starts with 200 (the body is abandoned at once). */
async function probe(url: string, fetchImpl: typeof fetch = fetch): Promise<boolean> {
  const controller = new AbortController();
  try {
    const response = await fetchImpl(url, { referrerPolicy: 'no-referrer', credentials: 'omit', signal: controller.signal });
    controller.abort();
    return response.ok;
  } catch {
    return false;
  }
}
