/**
 * Builds public/datasets/kc-monopoly/{houses,facilities}.csv from ../shared/datasets/kc-house and
 * ../shared/datasets/seattle-poi (run: node --import tsx scripts/monopoly/buildKcData.ts [sharedDir]).
 * Houses keep only the model's columns; facilities are those within ~3 km of the houses' bounding box,
 * light-rail stations only where LOCATION_CERTAINTY is "high (exists)".
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Papa from 'papaparse';
import { toCsv } from '../../src/lib/util/csv.ts';

const shared = process.argv[2] ?? '../shared/datasets';
const out = 'public/datasets/kc-monopoly';
mkdirSync(out, { recursive: true });

const sales = Papa.parse<Record<string, string>>(readFileSync(join(shared, 'kc-house/kc_house_data.csv'), 'utf8').trim(), { header: true }).data;
const round = (v: number, digits: number) => Number(v.toFixed(digits));
const houseRows = sales.map((s) => {
  const saleYear = Number(s.date.slice(0, 4));
  return [
    `${s.id}-${s.date.slice(0, 8)}`, Number(s.lat), Number(s.long), Number(s.price),
    round(Math.log(Number(s.sqft_living)), 5), round(Math.log(Number(s.sqft_lot)), 5),
    Number(s.bedrooms), Number(s.bathrooms), Number(s.floors), Number(s.waterfront), Number(s.view),
    Number(s.condition), Number(s.grade), saleYear - Number(s.yr_built), Number(s.yr_renovated) > 0 ? 1 : 0,
  ];
});
writeFileSync(join(out, 'houses.csv'), toCsv(
  ['id', 'lat', 'lon', 'price', 'log_sqft_living', 'log_sqft_lot', 'bedrooms', 'bathrooms', 'floors', 'waterfront', 'view', 'condition', 'grade', 'age', 'renovated'],
  houseRows,
).replaceAll('\r\n', '\n'));

const lats = houseRows.map((r) => r[1] as number);
const lons = houseRows.map((r) => r[2] as number);
const margin = 0.03;
const box = { minLat: Math.min(...lats) - margin, maxLat: Math.max(...lats) + margin, minLon: Math.min(...lons) - margin, maxLon: Math.max(...lons) + margin };
const inBox = (lat: number, lon: number) => lat >= box.minLat && lat <= box.maxLat && lon >= box.minLon && lon <= box.maxLon;

interface Feature { properties: Record<string, string | number>; geometry: { coordinates: [number, number] } }
const layers: { file: string; kind: string; name: string; keep?: (p: Feature['properties']) => boolean }[] = [
  { file: 'wa-hospitals.geojson', kind: 'hospital', name: 'NAME' },
  { file: 'wa-libraries.geojson', kind: 'library', name: 'LIBRARY_NAME' },
  { file: 'wa-higher-ed-providers.geojson', kind: 'college', name: 'NAME' },
  { file: 'sound-transit-lightrail.geojson', kind: 'station', name: 'NAME', keep: (p) => p.LOCATION_CERTAINTY === 'high (exists)' },
];
const facilityRows: (string | number)[][] = [];
for (const layer of layers) {
  const features = (JSON.parse(readFileSync(join(shared, 'seattle-poi', layer.file), 'utf8')) as { features: Feature[] }).features;
  let k = 0;
  for (const feature of features) {
    const [lon, lat] = feature.geometry.coordinates;
    if (!inBox(lat, lon) || (layer.keep && !layer.keep(feature.properties))) continue;
    facilityRows.push([`${layer.kind}-${k++}`, lat, lon, layer.kind, String(feature.properties[layer.name])]);
  }
}
writeFileSync(join(out, 'facilities.csv'), toCsv(['id', 'lat', 'lon', 'kind', 'name'], facilityRows).replaceAll('\r\n', '\n'));
process.stderr.write(`${houseRows.length} houses, ${facilityRows.length} facilities → ${out}\n`);
