/**
 * Undo/redo over immutable snapshots. A drag replaces the present many times (`replace`) and is
 * committed once when it ends (`commit`), so one drag is one undo step.
 */
export class History<T> {
  private past: T[] = [];
  private future: T[] = [];
  /** The snapshot before an uncommitted run of `replace` calls. */
  private pendingFrom: T | undefined;

  constructor(
    private current: T,
    private readonly limit = 200,
  ) {}

  get present(): T {
    return this.current;
  }

  get canUndo(): boolean {
    return this.past.length > 0 || this.pendingFrom !== undefined;
  }

  get canRedo(): boolean {
    return this.future.length > 0;
  }

  /** A new state as one undo step. */
  push(next: T): T {
    this.commit();
    this.past.push(this.current);
    if (this.past.length > this.limit) this.past.shift();
    this.future = [];
    this.current = next;
    return next;
  }

  /** A state within an ongoing gesture: undoable as a whole once committed. */
  replace(next: T): T {
    this.pendingFrom ??= this.current;
    this.current = next;
    return next;
  }

  commit(): void {
    if (this.pendingFrom === undefined) return;
    const from = this.pendingFrom;
    this.pendingFrom = undefined;
    if (from === this.current) return;
    this.past.push(from);
    if (this.past.length > this.limit) this.past.shift();
    this.future = [];
  }

  undo(): T {
    this.commit();
    const previous = this.past.pop();
    if (previous === undefined) return this.current;
    this.future.push(this.current);
    this.current = previous;
    return previous;
  }

  redo(): T {
    const next = this.future.pop();
    if (next === undefined) return this.current;
    this.past.push(this.current);
    this.current = next;
    return next;
  }

  /** Starts over from `state` (a loaded file): nothing to undo. */
  reset(state: T): T {
    this.past = [];
    this.future = [];
    this.pendingFrom = undefined;
    this.current = state;
    return state;
  }
}
