import { campusScenario, CAMPUS_GEOJSON_PATH, CAMPUS_MAP_NAME } from '../../lib/irs/campus.ts';
import type { RouteMode } from '../../lib/irs/field.ts';
import { MAX_GEOJSON_BYTES, type ImportedMap } from '../../lib/irs/geojson.ts';
import { buildingsKey } from '../../lib/irs/gridCache.ts';
import { parseScenario, serialiseScenario, validateScenario, type Scenario } from '../../lib/irs/scenario.ts';
import { decodeScenario, encodeScenario } from '../../lib/irs/scenarioLink.ts';
import { InputError } from '../../lib/errors.ts';
import { WorkerHandle } from '../../workers/client.ts';
import type { IrsApi } from '../../workers/irs.worker.ts';
import type { Router } from '../router.svelte.ts';
import { FieldRunner } from './fieldRunner.svelte.ts';
import { History } from './history.ts';
import { addObject, moveObject, removeObject, updateObject, type ObjectKind, type Selection } from './objects.ts';

/** Grid while dragging on the CPU path: coarse enough to follow the pointer. */
const CPU_DRAG_GRID = 80;

/**
 * The planner's state: the scenario with its undo history, the selection, the view settings, and the
 * link between edits and heatmap requests. Every committed edit is also written to the URL hash.
 */
export class IrsPlanner {
  scenario = $state.raw<Scenario | undefined>(undefined);
  selection = $state<Selection | null>(null);
  mode = $state<RouteMode>('best');
  gridLongSide = $state(128);
  canUndo = $state(false);
  canRedo = $state(false);
  loadError = $state.raw<unknown>(undefined);
  /** A field edit that would make the scenario invalid (kept out of it, shown by the form). */
  editError = $state.raw<unknown>(undefined);
  /** Why the link does not hold the scenario, when it does not. */
  linkNote = $state<string | undefined>(undefined);
  readonly worker = new WorkerHandle<IrsApi>(() => new Worker(new URL('../../workers/irs.worker.ts', import.meta.url), { type: 'module', name: 'irs' }));
  readonly field: FieldRunner;
  private history: History<Scenario> | undefined;
  private campus: { map: ImportedMap; key: string } | undefined;
  private dragging = false;

  constructor(
    private readonly router: Router,
    override: string | null,
  ) {
    this.field = new FieldRunner(this.worker, override, () => {
      if (this.field.backend?.backend === 'webgpu') this.recompute();
    });
  }

  /** Opens the scenario in the link, or the campus default. */
  async start(): Promise<void> {
    const packed = this.router.params.get('s');
    try {
      if (packed) {
        const shared = await decodeScenario(packed);
        if (shared.mapName === CAMPUS_MAP_NAME && Array.isArray(shared.buildings) && shared.buildings.length === 0) {
          shared.buildings = (await this.campusMap()).buildings;
        }
        this.open(validateScenario(shared, 'the link'));
        return;
      }
    } catch (error) {
      this.loadError = error;
    }
    this.open(campusScenario(await this.campusMap()));
  }

  private async campusMap(): Promise<ImportedMap> {
    if (!this.campus) {
      const map = await this.worker.api.loadMap(new URL(CAMPUS_GEOJSON_PATH, document.baseURI).href, 'UBC campus buildings');
      this.campus = { map, key: buildingsKey(map.buildings) };
    }
    return this.campus.map;
  }

  private open(scenario: Scenario): void {
    this.history = new History(scenario);
    this.selection = null;
    this.show(scenario);
    this.writeLink(scenario);
  }

  private show(scenario: Scenario): void {
    this.scenario = scenario;
    this.canUndo = this.history?.canUndo ?? false;
    this.canRedo = this.history?.canRedo ?? false;
    this.recompute();
  }

  recompute(): void {
    const scenario = this.scenario;
    if (!scenario) return;
    const cpu = this.field.backend?.backend !== 'webgpu';
    const gridLongSide = this.dragging && cpu ? Math.min(CPU_DRAG_GRID, this.gridLongSide) : this.gridLongSide;
    this.field.request({ scenario, mode: this.mode, gridLongSide });
  }

  /** A committed edit: one undo step. */
  edit(next: Scenario): void {
    if (!this.history) return;
    this.show(this.history.push(next));
    this.writeLink(next);
  }

  /** A step of a drag; `endDrag` makes the whole drag one undo step. */
  dragTo(selection: Selection, x: number, y: number): void {
    if (!this.history || !this.scenario) return;
    this.dragging = true;
    this.show(this.history.replace(moveObject(this.scenario, selection, x, y)));
  }

  rotateTo(selection: Selection, facingDeg: number): void {
    if (!this.history || !this.scenario) return;
    this.dragging = true;
    this.show(this.history.replace(updateObject(this.scenario, selection, { facingDeg: Math.round(facingDeg) })));
  }

  endDrag(): void {
    if (!this.history || !this.dragging) return;
    this.dragging = false;
    this.history.commit();
    this.show(this.history.present);
    this.writeLink(this.history.present);
  }

  update(selection: Selection, patch: Record<string, unknown>): void {
    if (this.scenario) this.editValidated(updateObject(this.scenario, selection, patch));
  }

  /** Channel settings and other top-level fields. */
  patch(patch: Partial<Scenario>): void {
    if (this.scenario) this.editValidated({ ...this.scenario, ...patch });
  }

  private editValidated(next: Scenario): void {
    try {
      this.edit(validateScenario(next, 'this value'));
      this.editError = undefined;
    } catch (error) {
      this.editError = error;
    }
  }

  add(kind: ObjectKind, x: number, y: number): void {
    if (!this.scenario) return;
    const added = addObject(this.scenario, kind, x, y);
    this.edit(added.scenario);
    this.selection = added.selection;
  }

  remove(selection: Selection): void {
    if (!this.scenario) return;
    if (selection.kind === 'transmitter' && this.scenario.transmitters.length === 1) return;
    this.edit(removeObject(this.scenario, selection));
    this.selection = null;
  }

  undo(): void {
    if (this.history) this.show(this.history.undo());
    if (this.scenario) this.writeLink(this.scenario);
  }

  redo(): void {
    if (this.history) this.show(this.history.redo());
    if (this.scenario) this.writeLink(this.scenario);
  }

  setMode(mode: RouteMode): void {
    this.mode = mode;
    this.recompute();
  }

  setGrid(longSide: number): void {
    this.gridLongSide = longSide;
    this.recompute();
  }

  /** A scenario file the user picked: validated first, so a bad file changes nothing. */
  async load(file: File): Promise<void> {
    try {
      const scenario = parseScenario(await file.text(), file.name);
      this.loadError = undefined;
      if (!this.history) this.open(scenario);
      else this.edit(scenario);
    } catch (error) {
      this.loadError = error;
    }
  }

  /** A GeoJSON map replaces the buildings; objects and area move to its centre. */
  async importMap(file: File): Promise<void> {
    try {
      if (file.size > MAX_GEOJSON_BYTES) {
        throw new InputError(`${file.name}: the file is ${(file.size / 2 ** 20).toFixed(0)} MB, over the ${MAX_GEOJSON_BYTES / 2 ** 20} MB limit`, 'Export a smaller area.');
      }
      const map = await this.worker.api.importMap(await file.text(), file.name);
      if (!this.scenario) return;
      this.loadError = undefined;
      this.edit(recentre(this.scenario, map, file.name));
    } catch (error) {
      this.loadError = error;
    }
  }

  async resetToCampus(): Promise<void> {
    this.edit(campusScenario(await this.campusMap()));
  }

  json(): string {
    return this.scenario ? serialiseScenario(this.scenario) : '';
  }

  private writeLink(scenario: Scenario): void {
    const embedded = scenario.mapName === CAMPUS_MAP_NAME && this.campus?.key === buildingsKey(scenario.buildings);
    const packed = encodeScenario(scenario, embedded);
    const params = Object.fromEntries(this.router.params);
    if (packed === null) {
      delete params.s;
      this.linkNote = 'This scenario is too large for a link (its map is big): save it as JSON to share it.';
    } else {
      params.s = packed;
      this.linkNote = undefined;
    }
    this.router.setParams(params);
  }
}

/** Moves the scenario onto a freshly imported map: same objects, same layout, centred on the map. */
function recentre(scenario: Scenario, map: ImportedMap, name: string): Scenario {
  const { area } = scenario;
  const dx = (map.bounds.x0 + map.bounds.x1) / 2 - (area.x0 + area.x1) / 2;
  const dy = (map.bounds.y0 + map.bounds.y1) / 2 - (area.y0 + area.y1) / 2;
  const shift = <T extends { x: number; y: number }>(o: T): T => ({ ...o, x: Math.round((o.x + dx) * 100) / 100, y: Math.round((o.y + dy) * 100) / 100 });
  return {
    ...scenario,
    buildings: map.buildings,
    transmitters: scenario.transmitters.map(shift),
    irs: scenario.irs.map(shift),
    users: scenario.users.map(shift),
    candidates: scenario.candidates?.map(shift),
    userAreas: scenario.userAreas?.map((a) => ({ ...a, x0: a.x0 + dx, x1: a.x1 + dx, y0: a.y0 + dy, y1: a.y1 + dy })),
    area: { x0: area.x0 + dx, y0: area.y0 + dy, x1: area.x1 + dx, y1: area.y1 + dy },
    origin: map.origin,
    mapName: name,
  };
}
