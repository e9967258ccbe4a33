import { formatHash, parseHash } from '../lib/util/hashState.ts';

/**
 * Hash router: `#/path?settings`. The hash keeps working on any static host and sub-path, and the
 * query part carries a page's shareable settings (the "copy link" button copies it).
 */
export class Router {
  path = $state('/');
  params = $state.raw(new URLSearchParams());

  constructor(private readonly target: Window = window) {
    this.read();
    target.addEventListener('hashchange', () => this.read());
  }

  /** Replaces the current settings without adding a history entry. */
  setParams(params: Record<string, string | number | boolean>): void {
    const hash = formatHash(this.path, params);
    this.target.history.replaceState(null, '', hash);
    this.params = new URLSearchParams(parseHash(hash).params);
  }

  private read(): void {
    const { path, params } = parseHash(this.target.location.hash);
    this.path = path;
    this.params = params;
  }
}
