import type { IrsSpec, Scenario, Transmitter, User, UserArea } from '../../lib/irs/scenario.ts';

/**
 * Edits of a scenario's objects as pure functions returning a new scenario (the history keeps the old
 * one). Objects are found by id, which is unique across kinds.
 */
export type ObjectKind = 'transmitter' | 'irs' | 'user' | 'area';
export interface Selection {
  kind: ObjectKind;
  id: string;
}

const LIST: Record<ObjectKind, 'transmitters' | 'irs' | 'users' | 'userAreas'> = {
  transmitter: 'transmitters',
  irs: 'irs',
  user: 'users',
  area: 'userAreas',
};

export function findObject(scenario: Scenario, selection: Selection): Transmitter | IrsSpec | User | UserArea | undefined {
  return (scenario[LIST[selection.kind]] as { id: string }[] | undefined)?.find((o) => o.id === selection.id) as never;
}

export function updateObject(scenario: Scenario, selection: Selection, patch: Record<string, unknown>): Scenario {
  const key = LIST[selection.kind];
  const list = (scenario[key] ?? []) as { id: string }[];
  return { ...scenario, [key]: list.map((o) => (o.id === selection.id ? { ...o, ...patch } : o)) };
}

/** Moves a point object to (x, y), or an area so that its centre is there. */
export function moveObject(scenario: Scenario, selection: Selection, x: number, y: number): Scenario {
  if (selection.kind !== 'area') return updateObject(scenario, selection, { x: round(x), y: round(y) });
  const area = findObject(scenario, selection) as UserArea | undefined;
  if (!area) return scenario;
  const [w, h] = [area.x1 - area.x0, area.y1 - area.y0];
  return updateObject(scenario, selection, { x0: round(x - w / 2), y0: round(y - h / 2), x1: round(x + w / 2), y1: round(y + h / 2) });
}

export function removeObject(scenario: Scenario, selection: Selection): Scenario {
  const key = LIST[selection.kind];
  return { ...scenario, [key]: ((scenario[key] ?? []) as { id: string }[]).filter((o) => o.id !== selection.id) };
}

/** The first free id `prefix1`, `prefix2`, … across all object kinds. */
export function freshId(scenario: Scenario, prefix: string): string {
  const taken = new Set([...scenario.transmitters, ...scenario.irs, ...scenario.users, ...(scenario.userAreas ?? [])].map((o) => o.id));
  for (let i = 1; ; i++) if (!taken.has(`${prefix}${i}`)) return `${prefix}${i}`;
}

export function addObject(scenario: Scenario, kind: ObjectKind, x: number, y: number): { scenario: Scenario; selection: Selection } {
  const at = { x: round(x), y: round(y) };
  switch (kind) {
    case 'transmitter': {
      const id = freshId(scenario, 'bs');
      return { scenario: { ...scenario, transmitters: [...scenario.transmitters, { id, ...at, powerDbm: 20, antennas: 1 }] }, selection: { kind, id } };
    }
    case 'irs': {
      const id = freshId(scenario, 'r');
      const facingDeg = facingTowards(scenario, at.x, at.y);
      return { scenario: { ...scenario, irs: [...scenario.irs, { id, ...at, facingDeg, elements: 600, type: 'passive' }] }, selection: { kind, id } };
    }
    case 'user': {
      const id = freshId(scenario, 'u');
      return { scenario: { ...scenario, users: [...scenario.users, { id, ...at }] }, selection: { kind, id } };
    }
    case 'area': {
      const id = freshId(scenario, 'zone');
      const area = { id, x0: at.x - 20, y0: at.y - 15, x1: at.x + 20, y1: at.y + 15 };
      return { scenario: { ...scenario, userAreas: [...(scenario.userAreas ?? []), area] }, selection: { kind, id } };
    }
  }
}

/**
 * The facing (degrees, 0 = +x, counter-clockwise) for a new IRS at (x, y): towards the nearest user, turned
 * halfway towards the nearest transmitter, so both lie in front of the surface (a reflector serves a user
 * only when the transmitter and the user are on its front side). Towards the nearest user alone when the
 * two are exactly behind each other; 0 when there is no user.
 */
export function facingTowards(scenario: Scenario, x: number, y: number): number {
  const nearest = <P extends { x: number; y: number }>(points: readonly P[]) =>
    points.reduce<P | undefined>((best, p) => (!best || Math.hypot(p.x - x, p.y - y) < Math.hypot(best.x - x, best.y - y) ? p : best), undefined);
  const unit = (p: { x: number; y: number }) => {
    const d = Math.hypot(p.x - x, p.y - y);
    return d > 0 ? [(p.x - x) / d, (p.y - y) / d] : [0, 0];
  };
  const user = nearest(scenario.users);
  if (!user) return 0;
  const [ux, uy] = unit(user);
  const tx = nearest(scenario.transmitters);
  const [tx1, ty1] = tx ? unit(tx) : [0, 0];
  let [nx, ny] = [ux + tx1, uy + ty1];
  if (Math.hypot(nx, ny) < 1e-9) [nx, ny] = [ux, uy];
  const degrees = (Math.atan2(ny, nx) * 180) / Math.PI;
  return (Math.round(degrees) + 360) % 360;
}

/** IRSs that no user's serving route passes through (they may still help the coverage of the area). */
export function idleSurfaces(irsIds: readonly string[], userRoutes: readonly (readonly string[])[]): string[] {
  const used = new Set(userRoutes.flat());
  return irsIds.filter((id) => !used.has(id));
}

/** What an arrow key does to a focused map marker: a move in map metres (Shift: 5×), or a turn of an IRS ([ and ] by 15°, { and } by 45°). */
export function keyMove(key: string, shift: boolean, metresPerStep: number): { dx: number; dy: number; turnDeg: number } | undefined {
  const step = metresPerStep * (shift ? 5 : 1);
  switch (key) {
    case 'ArrowLeft': return { dx: -step, dy: 0, turnDeg: 0 };
    case 'ArrowRight': return { dx: step, dy: 0, turnDeg: 0 };
    case 'ArrowUp': return { dx: 0, dy: step, turnDeg: 0 };
    case 'ArrowDown': return { dx: 0, dy: -step, turnDeg: 0 };
    case '[': return { dx: 0, dy: 0, turnDeg: 15 };
    case ']': return { dx: 0, dy: 0, turnDeg: -15 };
    case '{': return { dx: 0, dy: 0, turnDeg: 45 };
    case '}': return { dx: 0, dy: 0, turnDeg: -45 };
    default: return undefined;
  }
}

/** Positions are kept to the centimetre: enough for a map, and saved files and links stay short. */
export function round(value: number): number {
  return Math.round(value * 100) / 100;
}
