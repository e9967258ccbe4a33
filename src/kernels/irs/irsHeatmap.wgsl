// SNR heatmap of an IRS scenario: one invocation per grid cell (row 0 at the top). The receiver at the
// cell centre gets, from each transmitter, the direct link, and from each IRS arrival (a reflection chain
// prepared on the CPU), the last hop co-phased with that transmitter's direct link; the cell's SNR is the
// best of these. CPU twin: src/lib/irs/coverage.ts (`snrGridCpu`), with the line-of-sight rules of
// src/lib/irs/geometry.ts and the last-hop formula of src/lib/irs/hybrid.ts, evaluated in the same order.
// The structs Polygon, Transmitter, Surface and Arrival are generated from src/kernels/irs/irsHeatmap.ts.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> vertices: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> polygons: array<Polygon>;
@group(0) @binding(3) var<storage, read> transmitters: array<Transmitter>;
@group(0) @binding(4) var<storage, read> surfaces: array<Surface>;
@group(0) @binding(5) var<storage, read> arrivals: array<Arrival>;
@group(0) @binding(6) var<storage, read_write> snr: array<f32>;
@group(0) @binding(7) var<storage, read_write> indoor: array<u32>;

const MAX_TRANSMITTERS: u32 = 8u;
const PI: f32 = 3.14159265358979;

fn orient(a: vec2<f32>, b: vec2<f32>, c: vec2<f32>) -> f32 {
  return (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
}

// Direction d points strictly into the interior wedge at vertex a (previous u, next b; CCW ring).
fn intoWedge(u: vec2<f32>, a: vec2<f32>, b: vec2<f32>, d: vec2<f32>) -> bool {
  let leftOfOutgoing = (b.x - a.x) * d.y - (b.y - a.y) * d.x > 0.0;
  let rightOfIncomingReversed = d.x * (u.y - a.y) - d.y * (u.x - a.x) > 0.0;
  if (orient(u, a, b) >= 0.0) { return leftOfOutgoing && rightOfIncomingReversed; }
  return leftOfOutgoing || rightOfIncomingReversed;
}

fn strictlyWithin(p: vec2<f32>, a: vec2<f32>, b: vec2<f32>) -> bool {
  let t = (p.x - a.x) * (b.x - a.x) + (p.y - a.y) * (b.y - a.y);
  return t > 0.0 && t < (b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y);
}

fn vertexAt(poly: Polygon, j: u32) -> vec2<f32> {
  return vertices[poly.start + j % poly.count];
}

// The open segment pq enters the polygon's interior (geometry.ts: polygonBlocks).
fn polygonBlocks(poly: Polygon, p: vec2<f32>, q: vec2<f32>) -> bool {
  let d = q - p;
  let length2 = d.x * d.x + d.y * d.y;
  for (var j = 0u; j < poly.count; j++) {
    let a = vertexAt(poly, j);
    let b = vertexAt(poly, j + 1u);
    let u = vertexAt(poly, j + poly.count - 1u);
    let o1 = orient(p, q, a);
    let o2 = orient(p, q, b);
    let o3 = orient(a, b, p);
    let o4 = orient(a, b, q);
    if (((o1 > 0.0 && o2 < 0.0) || (o1 < 0.0 && o2 > 0.0)) && ((o3 > 0.0 && o4 < 0.0) || (o3 < 0.0 && o4 > 0.0))) { return true; }
    if (o1 == 0.0) {
      let t = (a.x - p.x) * d.x + (a.y - p.y) * d.y;
      if (t > 0.0 && t < length2 && (intoWedge(u, a, b, d) || intoWedge(u, a, b, -d))) { return true; }
    }
    if (all(a == p) && intoWedge(u, a, b, d)) { return true; }
    if (all(a == q) && intoWedge(u, a, b, -d)) { return true; }
    if (o3 == 0.0 && strictlyWithin(p, a, b) && (b.x - a.x) * d.y - (b.y - a.y) * d.x > 0.0) { return true; }
    if (o4 == 0.0 && strictlyWithin(q, a, b) && (b.x - a.x) * -d.y - (b.y - a.y) * -d.x > 0.0) { return true; }
  }
  return false;
}

// Strictly inside (geometry.ts: strictlyInside); a point on the boundary is not.
fn strictlyInside(poly: Polygon, p: vec2<f32>) -> bool {
  if (p.x < poly.minX || p.x > poly.maxX || p.y < poly.minY || p.y > poly.maxY) { return false; }
  var inside = false;
  for (var j = 0u; j < poly.count; j++) {
    let a = vertexAt(poly, j);
    let c = vertexAt(poly, j + 1u);
    if (orient(a, c, p) == 0.0) {
      let t = (p.x - a.x) * (c.x - a.x) + (p.y - a.y) * (c.y - a.y);
      if (t >= 0.0 && t <= (c.x - a.x) * (c.x - a.x) + (c.y - a.y) * (c.y - a.y)) { return false; }
    }
    if ((a.y > p.y) != (c.y > p.y) && p.x < ((c.x - a.x) * (p.y - a.y)) / (c.y - a.y) + a.x) { inside = !inside; }
  }
  return inside;
}

// Line of sight between p and q, p known to be outside every building (the cell) or flagged (sources).
fn lineOfSight(p: vec2<f32>, q: vec2<f32>) -> bool {
  for (var i = 0u; i < params.polygonCount; i++) {
    let poly = polygons[i];
    if (min(p.x, q.x) > poly.maxX || max(p.x, q.x) < poly.minX || min(p.y, q.y) > poly.maxY || max(p.y, q.y) < poly.minY) { continue; }
    if (polygonBlocks(poly, p, q)) { return false; }
  }
  return true;
}

// g = min(1, β₀·d^−α); a blocked link uses the NLoS exponent, or carries nothing (channel.ts: pathGain).
fn pathGain(distance: f32, los: bool) -> f32 {
  if (!los && params.nlosBlocked != 0u) { return 0.0; }
  if (distance == 0.0) { return 1.0; }
  let alpha = select(params.alphaNlos, params.alphaLos, los);
  return min(1.0, params.beta0 * pow(distance, -alpha));
}

// Per-element cap Ω/(4πN) of the far-field bound (farField.ts).
fn surfaceCap(surface: Surface, distance: f32) -> f32 {
  let l2 = surface.sideM * surface.sideM;
  return asin(l2 / (l2 + 4.0 * distance * distance)) / PI / surface.elements;
}

// hybrid.ts: lastHopSnr — the best amplification η on [1, η_max] for the surface's active elements.
fn lastHopSnr(surface: Surface, arrival: Arrival, directAmplitude: f32, gain: f32) -> f32 {
  let root = sqrt(gain * arrival.signal);
  let np = surface.passiveElements;
  let na = select(0.0, surface.activeElements, arrival.etaMax >= 1.0);
  let a = directAmplitude + root * np;
  let b = root * na;
  let q0 = gain * arrival.noise * np * np + 1.0;
  let q1 = 2.0 * gain * arrival.noise * np * na;
  let q2 = gain * arrival.noise * na * na + gain * na * surface.ampNoise;
  if (na == 0.0) { return a * a / q0; }
  var best = (a + b) * (a + b) / (q0 + q1 + q2);
  let atMax = (a + b * arrival.etaMax) * (a + b * arrival.etaMax) / (q0 + arrival.etaMax * (q1 + q2 * arrival.etaMax));
  best = max(best, atMax);
  let c0 = 2.0 * b * q0 - a * q1;
  let c1 = b * q1 - 2.0 * a * q2;
  if (c1 != 0.0) {
    let eta = -c0 / c1;
    if (eta > 1.0 && eta < arrival.etaMax) {
      best = max(best, (a + b * eta) * (a + b * eta) / (q0 + eta * (q1 + q2 * eta)));
    }
  }
  return best;
}

@compute @workgroup_size(8, 8, 1)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let col = id.x;
  let row = id.y;
  if (col >= params.cols || row >= params.rows) { return; }
  let cell = row * params.cols + col;
  let p = vec2<f32>(params.x0 + (f32(col) + 0.5) * params.cellWidth, params.y1 - (f32(row) + 0.5) * params.cellHeight);

  var isIndoor = false;
  for (var i = 0u; i < params.polygonCount; i++) {
    if (strictlyInside(polygons[i], p)) { isIndoor = true; break; }
  }

  var directGains: array<f32, MAX_TRANSMITTERS>;
  var best = 0.0;
  for (var t = 0u; t < params.transmitterCount; t++) {
    let tx = transmitters[t];
    let source = vec2<f32>(tx.x, tx.y);
    let los = !isIndoor && tx.inside == 0u && lineOfSight(source, p);
    directGains[t] = pathGain(distance(source, p), los);
    best = max(best, tx.amplitude * tx.amplitude * directGains[t]);
  }

  for (var k = 0u; k < params.surfaceCount; k++) {
    let surface = surfaces[k];
    let origin = vec2<f32>(surface.x, surface.y);
    if (surface.nx * (p.x - origin.x) + surface.ny * (p.y - origin.y) <= 0.0) { continue; }
    let d = distance(origin, p);
    let los = !isIndoor && surface.inside == 0u && lineOfSight(origin, p);
    let gain = min(pathGain(d, los), surfaceCap(surface, d));
    if (gain == 0.0) { continue; }
    for (var r = 0u; r < surface.arrivalCount; r++) {
      let arrival = arrivals[surface.arrivalStart + r];
      let tx = transmitters[arrival.transmitter];
      best = max(best, lastHopSnr(surface, arrival, tx.amplitude * sqrt(directGains[arrival.transmitter]), gain));
    }
  }
  snr[cell] = best;
  indoor[cell] = select(0u, 1u, isIndoor);
}
