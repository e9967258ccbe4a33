/** The example of the issue, verbatim. */
export const ISSUE_EXAMPLE = `{ "carrierHz": 3.5e9, "noiseDbm": -80, "bandwidthHz": 1e6,
  "pathLossExponent": { "los": 2.0, "nlos": null },
  "buildings": [ [[10, -3], [20, -3], [20, 3], [10, 3]] ],
  "transmitters": [ { "id": "bs", "x": 0, "y": 0, "powerDbm": 20, "antennas": 1 } ],
  "irs": [ { "id": "r1", "x": 15, "y": 5, "facingDeg": -90, "elements": 600, "type": "passive" },
           { "id": "r2", "x": 25, "y": 6, "facingDeg": -90, "elements": 450, "type": "active",
             "ampPowerDbm": 4, "ampNoiseDbm": -74 } ],
  "users": [ { "id": "u1", "x": 30, "y": 0 } ],
  "area": { "x0": -10, "y0": -20, "x1": 40, "y1": 20 } }`;

