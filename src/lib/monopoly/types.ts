/** Houses of a city: coordinates, sale price (NaN where unknown) and numeric attributes, row-major. */
export interface Houses {
  ids: string[];
  lat: Float64Array;
  lon: Float64Array;
  /** Sale price in currency units; NaN for a house to value. */
  price: Float64Array;
  attributeNames: string[];
  /** [n, attributeNames.length], row-major. */
  attributes: Float64Array;
}

/** Public facilities (hospitals, stations, …) whose virtual prices θ the method learns. */
export interface Facilities {
  ids: string[];
  lat: Float64Array;
  lon: Float64Array;
  kind: string[];
  name?: string[];
}
