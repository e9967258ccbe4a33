/**
 * WCAG 2 contrast: relative luminance of an sRGB colour and the contrast ratio of two colours,
 * (L1 + 0.05) / (L2 + 0.05) with L1 the lighter. AA asks ≥ 4.5:1 for normal text.
 * https://www.w3.org/TR/WCAG21/#dfn-relative-luminance
 */
export type Rgb = readonly [number, number, number];

/** Parses `#rgb`, `#rrggbb`, `rgb(r, g, b)`, `rgba(r, g, b, a)` and `rgb(r g b / a)` (alpha ignored). */
export function parseColour(text: string): Rgb {
  const s = text.trim().toLowerCase();
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/.exec(s);
  if (hex) {
    const h = hex[1].length === 3 ? [...hex[1]].map((c) => c + c).join('') : hex[1];
    return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as unknown as Rgb;
  }
  const fn = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/.exec(s);
  if (fn) return [Number(fn[1]), Number(fn[2]), Number(fn[3])];
  throw new RangeError(`parseColour: cannot read the colour "${text}"`);
}

export function relativeLuminance([r, g, b]: Rgb): number {
  const linear = (c: number) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

export function contrastRatio(a: Rgb, b: Rgb): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
