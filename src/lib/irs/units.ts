/** Power and ratio conversions used across the IRS planner. Linear powers are in watts. */

export const SPEED_OF_LIGHT_M_PER_S = 299_792_458;

export function dbmToWatts(dbm: number): number {
  return 10 ** ((dbm - 30) / 10);
}

export function wattsToDbm(watts: number): number {
  return 10 * Math.log10(watts) + 30;
}

export function dbToLinear(db: number): number {
  return 10 ** (db / 10);
}

/** 10·log10(x); −Infinity for 0 (no link), which JSON writes as null. */
export function linearToDb(ratio: number): number {
  return 10 * Math.log10(ratio);
}

export function wavelengthM(carrierHz: number): number {
  return SPEED_OF_LIGHT_M_PER_S / carrierHz;
}
