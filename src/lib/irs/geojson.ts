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
/**
 * The widest map (east–west or north–south) an import accepts: a campus or a city district. Beyond it
 * the tangent-plane projection is no longer sub-metre and a path-loss grid has cells of hundreds of
 * metres; a world-covering polygon or a lon/lat swap shows up here.
 */
export const DEFAULT_MAX_EXTENT_M = 50_000;
/** Features and GeometryCollections nest at most this deep (real exports nest 2–3 levels). */
export const MAX_GEOJSON_DEPTH = 32;

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
  return (lon, lat) => [wrapDegrees(lon - origin.lon) * east, (lat - origin.lat) * north];
}

/** A longitude difference in [−180°, 180°): buildings either side of the antimeridian stay neighbours. */
function wrapDegrees(degrees: number): number {
  return degrees - 360 * Math.floor((degrees + 180) / 360);
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

/** Walks the GeoJSON tree with an explicit stack (no recursion), refusing nesting deeper than MAX_GEOJSON_DEPTH. */
function collect(root: unknown, name: string, out: Collected): void {
  const stack: { node: unknown; path: string; depth: number }[] = [{ node: root, path: '(root)', depth: 0 }];
  const pushChildren = (children: unknown[], path: string, key: string, depth: number) => {
    if (depth >= MAX_GEOJSON_DEPTH) fail(name, `${path} nests more than ${MAX_GEOJSON_DEPTH} levels deep`, 'Flatten the GeometryCollections: building footprints need no nesting.');
    for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i], path: `${path}.${key}[${i}]`, depth: depth + 1 });
  };
  while (stack.length > 0) {
    const { node, path, depth } = stack.pop()!;
    if (typeof node !== 'object' || node === null) fail(name, `${path} is not a GeoJSON object`);
    const object = node as Record<string, unknown>;
    switch (object.type) {
      case 'FeatureCollection':
        if (!Array.isArray(object.features)) fail(name, `${path}.features is not an array`);
        pushChildren(object.features as unknown[], path, 'features', depth);
        break;
      case 'Feature':
        out.features++;
        if (object.geometry !== null && object.geometry !== undefined) {
          if (depth >= MAX_GEOJSON_DEPTH) fail(name, `${path} nests more than ${MAX_GEOJSON_DEPTH} levels deep`);
          stack.push({ node: object.geometry, path: `${path}.geometry`, depth: depth + 1 });
        }
        break;
      case 'GeometryCollection':
        if (!Array.isArray(object.geometries)) fail(name, `${path}.geometries is not an array`);
        pushChildren(object.geometries as unknown[], path, 'geometries', depth);
        break;
      case 'Polygon':
        out.rings.push(outerRing(object.coordinates, name, path));
        break;
      case 'MultiPolygon':
        if (!Array.isArray(object.coordinates)) fail(name, `${path}.coordinates is not an array`);
        (object.coordinates as unknown[]).forEach((polygon, i) => out.rings.push(outerRing(polygon, name, `${path}.coordinates[${i}]`)));
        break;
      case 'Point':
      case 'MultiPoint':
      case 'LineString':
      case 'MultiLineString':
        out.skipped[object.type] = (out.skipped[object.type] ?? 0) + 1;
        break;
      default:
        fail(name, `${path} has type ${JSON.stringify(object.type)?.slice(0, 40)}, which is not GeoJSON`, 'Expected a FeatureCollection, Feature or geometry object (RFC 7946).');
    }
  }
}

function outerRing(coordinates: unknown, name: string, path: string): Position[] {
  if (!Array.isArray(coordinates) || !Array.isArray(coordinates[0])) fail(name, `${path} has no polygon rings`);
  const ring = coordinates[0] as unknown[];
  let [minLon, maxLon] = [Infinity, -Infinity];
  const positions = ring.map((position, i) => {
    if (!Array.isArray(position) || typeof position[0] !== 'number' || typeof position[1] !== 'number' || !Number.isFinite(position[0]) || !Number.isFinite(position[1])) {
      fail(name, `${path}: position ${i} is not a [lon, lat] pair of numbers`);
    }
    const [lon, lat] = position as number[];
    if (Math.abs(lon) > 180 || Math.abs(lat) > 90) {
      fail(name, `coordinates (${lon}, ${lat}) are not longitude/latitude`, 'This looks like a projected coordinate system. Export the GeoJSON in WGS84 lon/lat (EPSG:4326), as RFC 7946 requires.');
    }
    minLon = Math.min(minLon, lon);
    maxLon = Math.max(maxLon, lon);
    return [lon, lat];
  });
  // Edges are straight in lon/lat (RFC 7946 §3.1.9): a ring this wide goes the long way round the globe.
  if (maxLon - minLon > 180) {
    fail(
      name,
      `${path} spans ${(maxLon - minLon).toFixed(1)}° of longitude`,
      'A footprint that crosses the antimeridian must be split there (RFC 7946 §3.1.9); a polygon this wide covers much of the world, not a building.',
    );
  }
  return positions;
}

export interface GeojsonImportOptions {
  /** The file's name, for messages. */
  name: string;
  /** Centre of the local frame; default: the middle of the buildings. */
  origin?: LonLat;
  /** Refuse maps wider or taller than this (metres); default DEFAULT_MAX_EXTENT_M. */
  maxExtentM?: number;
}

export function importGeojson(text: string, options: GeojsonImportOptions): ImportedMap {
  const { name, maxExtentM = DEFAULT_MAX_EXTENT_M } = options;
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
  collect(root, name, collected);
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
  const widthM = bounds.x1 - bounds.x0;
  const heightM = bounds.y1 - bounds.y0;
  if (!(widthM <= maxExtentM && heightM <= maxExtentM)) {
    fail(
      name,
      `the buildings span ${formatKm(widthM)} × ${formatKm(heightM)}, over the ${formatKm(maxExtentM)} limit (maxExtentM)`,
      'Export a smaller area: a planner map is a campus or a district. A polygon covering the world, or longitude and latitude swapped, also shows up as a huge extent.',
    );
  }
  return { buildings, origin, bounds, features: collected.features, skipped: collected.skipped };
}

/** Centimetres are plenty, and round numbers keep saved scenarios and links short. */
function roundPair([x, y]: [number, number]): [number, number] {
  return [Math.round(x * 100) / 100, Math.round(y * 100) / 100];
}

function formatKm(metres: number): string {
  return `${(metres / 1000).toFixed(metres < 10_000 ? 1 : 0)} km`;
}

/**
 * The middle of the buildings' bounding box. Longitudes are also read shifted to [0°, 360°): when
 * that range is the narrower one, the buildings straddle the antimeridian (Fiji, Chukotka) and its
 * middle is the centre.
 */
function centreOf(rings: Position[][]): LonLat {
  let [minLon, minLat, maxLon, maxLat, minShifted, maxShifted] = [Infinity, Infinity, -Infinity, -Infinity, Infinity, -Infinity];
  for (const ring of rings) {
    for (const [lon, lat] of ring) {
      const shifted = lon < 0 ? lon + 360 : lon;
      minLon = Math.min(minLon, lon);
      maxLon = Math.max(maxLon, lon);
      minShifted = Math.min(minShifted, shifted);
      maxShifted = Math.max(maxShifted, shifted);
      minLat = Math.min(minLat, lat);
      maxLat = Math.max(maxLat, lat);
    }
  }
  const lon = maxShifted - minShifted < maxLon - minLon ? wrapDegrees((minShifted + maxShifted) / 2) : (minLon + maxLon) / 2;
  return { lon, lat: (minLat + maxLat) / 2 };
}
