import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/lib/errors.ts';
import { importGeojson, localProjection, MAX_GEOJSON_BYTES } from '../../src/lib/irs/geojson.ts';

const square = (lon: number, lat: number, d = 0.0001) => [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]];
const feature = (geometry: unknown) => ({ type: 'Feature', properties: {}, geometry });
const collection = (...features: unknown[]) => JSON.stringify({ type: 'FeatureCollection', features });

function importError(text: string): InputError {
  try {
    importGeojson(text, { name: 'map.geojson' });
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

describe('GeoJSON import', () => {
  it('projects lon/lat to local metres with the ellipsoid’s radii', () => {
    // Length of a degree at φ = 49.258° (standard series): latitude 111132.92 − 559.82·cos 2φ + 1.175·cos 4φ
    // − 0.0023·cos 6φ = 111226.3 m; longitude 111412.84·cos φ − 93.5·cos 3φ + 0.118·cos 5φ = 72784.5 m.
    const project = localProjection({ lon: -123.25, lat: 49.258 });
    const [east] = project(-123.24, 49.258);
    const [, north] = project(-123.25, 49.268);
    expect(east).toBeCloseTo(727.845, 0);
    expect(north).toBeCloseTo(1112.263, 0);
    expect(project(-123.25, 49.258)).toEqual([0, 0]);
  });

  it('takes the outer rings of Polygons and MultiPolygons, skips other geometry and says so', () => {
    const text = collection(
      feature({ type: 'Polygon', coordinates: [...square(-123.25, 49.26), [[-123.24995, 49.26002], [-123.24993, 49.26002], [-123.24993, 49.26004], [-123.24995, 49.26002]]] }),
      feature({ type: 'MultiPolygon', coordinates: [square(-123.2495, 49.26), square(-123.249, 49.26)] }),
      feature({ type: 'Point', coordinates: [-123.25, 49.26] }),
      feature(null),
    );
    const map = importGeojson(text, { name: 'map.geojson' });
    expect(map.buildings).toHaveLength(3);
    expect(map.features).toBe(4);
    expect(map.skipped).toEqual({ Point: 1 });
    // a 0.0001° square at 49.26°: 7.28 m east by 11.12 m north
    const [ring] = map.buildings;
    const xs = ring.map((p) => p[0]);
    const ys = ring.map((p) => p[1]);
    expect(Math.max(...xs) - Math.min(...xs)).toBeCloseTo(7.28, 1);
    expect(Math.max(...ys) - Math.min(...ys)).toBeCloseTo(11.12, 1);
  });

  it('explains bad JSON', () => {
    const error = importError('{"type": "FeatureCollection", "features": [');
    expect(error.message).toMatch(/^map\.geojson: not valid JSON/);
    expect(error.detail).toMatch(/GeoJSON/);
  });

  it('explains a file with no polygons', () => {
    const error = importError(collection(feature({ type: 'LineString', coordinates: [[0, 0], [1, 1]] }), feature({ type: 'Point', coordinates: [0, 0] })));
    expect(error.message).toBe('map.geojson: no polygons found (only 1 LineString, 1 Point)');
    expect(importError(collection()).message).toBe('map.geojson: no polygons found');
  });

  it('refuses a huge file before parsing it', () => {
    const error = importError(' '.repeat(MAX_GEOJSON_BYTES + 1));
    expect(error.message).toMatch(/over the 50 MB limit/);
  });

  it('refuses too many vertices', () => {
    const ring = Array.from({ length: 310_000 }, (_, i) => [-123 + Math.cos(i) * 1e-3, 49 + Math.sin(i) * 1e-3]);
    expect(importError(collection(feature({ type: 'Polygon', coordinates: [ring] }))).message).toMatch(/310000 vertices, over the limit of 300000/);
  });

  it('recognises projected coordinates and other CRSs', () => {
    expect(importError(collection(feature({ type: 'Polygon', coordinates: square(491234, 5457890, 10) }))).detail).toMatch(/EPSG:4326/);
    const withCrs = JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::26910' } }, features: [] });
    expect(importError(withCrs).message).toMatch(/EPSG::26910/);
  });

  it('rejects what is not GeoJSON', () => {
    expect(importError('{"hello": 1}').message).toMatch(/\(root\) has type undefined, which is not GeoJSON/);
    expect(importError(collection(feature({ type: 'Polygon', coordinates: [[['a', 'b']]] }))).message).toMatch(/position 0 is not a \[lon, lat\] pair/);
  });

  it('imports the shipped UBC campus footprints', () => {
    const file = path.resolve(import.meta.dirname, '../../public/datasets/campus-buildings-ubc/ubcv_buildings.geojson');
    const map = importGeojson(readFileSync(file, 'utf8'), { name: 'ubcv_buildings.geojson' });
    expect(map.features).toBe(270);
    expect(map.buildings.length).toBeGreaterThan(500); // 207 Polygons + the parts of 63 MultiPolygons
    // bbox lon −123.2615 … −123.2279, lat 49.2433 … 49.2729: about 2.45 km × 3.29 km
    expect(map.bounds.x1 - map.bounds.x0).toBeCloseTo(2447, -1);
    expect(map.bounds.y1 - map.bounds.y0).toBeCloseTo(3293, -1);
  });
});
