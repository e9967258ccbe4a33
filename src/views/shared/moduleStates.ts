/**
 * Every module's page state, created the first time its page opens and kept for the life of the app
 * (App.svelte holds one instance and hands it to each page). A page that is left and opened again gets
 * the same state back: its running job, its worker and its finished runs.
 *
 * The key is the module's route; `create` runs once per key.
 */
export class ModuleStates {
  private readonly states = new Map<string, unknown>();

  get<T>(key: string, create: () => T): T {
    if (!this.states.has(key)) this.states.set(key, create());
    return this.states.get(key) as T;
  }

  /** True while any module reports a running job (the tab asks before closing then). */
  anyRunning(): boolean {
    for (const state of this.states.values()) {
      if (isBusy(state) && state.busy) return true;
    }
    return false;
  }
}

/** A module state that can say whether a job is running (for the close-tab guard). */
export interface Busy {
  readonly busy: boolean;
}

function isBusy(state: unknown): state is Busy {
  return typeof state === 'object' && state !== null && 'busy' in state;
}
