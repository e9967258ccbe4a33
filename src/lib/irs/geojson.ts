import { InputError } from '../errors.ts';
import { normaliseRing, type Box } from './geometry.ts';
import { LIMITS } from './scenario.ts';

/**
 * GeoJSON building footprints (an OpenStreetMap export, a campus's open data) → rings in local metres.
 * Polygons and MultiPolygons count; their holes (courtyards) are dropped, so a footprint is solid;
 * other geometries are skipped and reported. Longitude/latitude (RFC 7946: WGS84) are projected onto the
 * plane tangent at `origin` with the WGS84 ellipsoid's radii of curvature there — over a few kilometres
 * the error is well under a metre, far below what a 2-D path-loss map resolves.
 */
export const MAX_GEOJSON_BYTES = 50 * 1024 * 1024;

const WGS84_A = 6_378_137;
const WGS84_E2 = 6.694379990141316e-3;

export interface LonLat {
  lon: number;
  lat: number;
}

export interface ImportedMap {
  buildings: [number, number][][];
  origin: LonLat;
  /** Extent of the buildings in local metres. */
  bounds: Box;
  features: number;
  /** Geometry types that were not polygons, with counts. */
  skipped: Record<string, number>;
}

/** A projection about `origin`: east and north metres from it. */
export function localProjection(origin: LonLat): (lon: number, lat: number) => [number, number] {
  const phi = (origin.lat * Math.PI) / 180;
  const w = 1 - WGS84_E2 * Math.sin(phi) ** 2;
  const primeVertical = WGS84_A / Math.sqrt(w);
  const meridional = (WGS84_A * (1 - WGS84_E2)) / w ** 1.5;
  const east = (primeVertical * Math.cos(phi) * Math.PI) / 180;
  const north = (meridional * Math.PI) / 180;
  return (lon, lat) => [(lon - origin.lon) * east, (lat - origin.lat) * north];
}

type Position = number[];
interface Collected {
  rings: Position[][];
  features: number;
  skipped: Record<string, number>;
}

function fail(name: string, message: string, detail?: string): never {
  throw new InputError(`${name}: ${message}`, detail);
}

function collect(node: unknown, name: string, out: Collected, path: string): void {
  if (typeof node !== 'object' || node === null) fail(name, `${path} is not a GeoJSON object`);
  const object = node as Record<string, unknown>;
  switch (object.type) {
    case 'FeatureCollection':
      if (!Array.isArray(object.features)) fail(name, `${path}.features is not an array`);
      (object.features as unknown[]).forEach((feature, i) => collect(feature, name, out, `${path}.features[${i}]`));
      return;
    case 'Feature':
      out.features++;
      if (object.geometry !== null && object.geometry !== undefined) collect(object.geometry, name, out, `${path}.geometry`);
      return;
    case 'GeometryCollection':
      if (!Array.isArray(object.geometries)) fail(name, `${path}.geometries is not an array`);
      (object.geometries as unknown[]).forEach((geometry, i) => collect(geometry, name, out, `${path}.geometries[${i}]`));
      return;
    case 'Polygon':
      out.rings.push(outerRing(object.coordinates, name, path));
      return;
    case 'MultiPolygon':
      if (!Array.isArray(object.coordinates)) fail(name, `${path}.coordinates is not an array`);
      (object.coordinates as unknown[]).forEach((polygon, i) => out.rings.push(outerRing(polygon, name, `${path}.coordinates[${i}]`)));
      return;
    case 'Point':
    case 'MultiPoint':
    case 'LineString':
    case 'MultiLineString':
      out.skipped[object.type] = (out.skipped[object.type] ?? 0) + 1;
      return;
    default:
      fail(name, `${path} has type ${JSON.stringify(object.type)}, which is not GeoJSON`, 'Expected a FeatureCollection, Feature or geometry object (RFC 7946).');
  }
}

function outerRing(coordinates: unknown, name: string, path: string): Position[] {
  if (!Array.isArray(coordinates) || !Array.isArray(coordinates[0])) fail(name, `${path} has no polygon rings`);
  const ring = coordinates[0] as unknown[];
  return ring.map((position, i) => {
    if (!Array.isArray(position) || typeof position[0] !== 'number' || typeof position[1] !== 'number' || !Number.isFinite(position[0]) || !Number.isFinite(position[1])) {
      fail(name, `${path}: position ${i} is not a [lon, lat] pair of numbers`);
    }
    const [lon, lat] = position as number[];
    if (Math.abs(lon) > 180 || Math.abs(lat) > 90) {
      fail(name, `coordinates (${lon}, ${lat}) are not longitude/latitude`, 'This looks like a projected coordinate system. Export the GeoJSON in WGS84 lon/lat (EPSG:4326), as RFC 7946 requires.');
    }
    return [lon, lat];
  });
}

export function importGeojson(text: string, options: { name: string; origin?: LonLat }): ImportedMap {
  const { name } = options;
  if (text.length > MAX_GEOJSON_BYTES) {
    fail(name, `the file is ${(text.length / 2 ** 20).toFixed(0)} MB, over the ${MAX_GEOJSON_BYTES / 2 ** 20} MB limit`, 'Export a smaller area (OpenStreetMap’s export takes a bounding box).');
  }
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    fail(name, `not valid JSON (${(error as Error).message})`, 'Expected a GeoJSON file of building polygons.');
  }
  const crs = (root as { crs?: { properties?: { name?: string } } } | null)?.crs?.properties?.name;
  if (crs && !/CRS84|4326/.test(crs)) fail(name, `its coordinates are in ${crs}`, 'Export the GeoJSON in WGS84 lon/lat (EPSG:4326).');
  const collected: Collected = { rings: [], features: 0, skipped: {} };
  collect(root, name, collected, '(root)');
  if (collected.rings.length === 0) {
    const skipped = Object.entries(collected.skipped).map(([type, count]) => `${count} ${type}`).join(', ');
    fail(name, `no polygons found${skipped ? ` (only ${skipped})` : ''}`, 'Building footprints must be Polygon or MultiPolygon geometries.');
  }
  const vertexCount = collected.rings.reduce((sum, ring) => sum + ring.length, 0);
  if (vertexCount > LIMITS.buildingVertices) {
    fail(name, `${vertexCount} vertices, over the limit of ${LIMITS.buildingVertices}`, 'Export a smaller area, or simplify the footprints.');
  }
  const origin = options.origin ?? centreOf(collected.rings);
  const project = localProjection(origin);
  const bounds = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
  const buildings: [number, number][][] = [];
  for (const ring of collected.rings) {
    const projected = normaliseRing(ring.map(([lon, lat]) => roundPair(project(lon, lat))));
    if (!projected) continue;
    for (const [x, y] of projected) {
      bounds.x0 = Math.min(bounds.x0, x);
      bounds.y0 = Math.min(bounds.y0, y);
      bounds.x1 = Math.max(bounds.x1, x);
      bounds.y1 = Math.max(bounds.y1, y);
    }
    buildings.push(projected);
  }
  if (buildings.length === 0) fail(name, 'every polygon is degenerate (no area)');
  return { buildings, origin, bounds, features: collected.features, skipped: collected.skipped };
}

/** Centimetres are plenty, and round numbers keep saved scenarios and links short. */
function roundPair([x, y]: [number, number]): [number, number] {
  return [Math.round(x * 100) / 100, Math.round(y * 100) / 100];
}

function centreOf(rings: Position[][]): LonLat {
  let [minLon, minLat, maxLon, maxLat] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const ring of rings) {
    for (const [lon, lat] of ring) {
      minLon = Math.min(minLon, lon);
      maxLon = Math.max(maxLon, lon);
      minLat = Math.min(minLat, lat);
      maxLat = Math.max(maxLat, lat);
    }
  }
  return { lon: (minLon + maxLon) / 2, lat: (minLat + maxLat) / 2 };
}
