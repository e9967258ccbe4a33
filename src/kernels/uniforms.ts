/**
 * A uniform struct declared once, as data: it writes both the WGSL `struct` and the packed bytes, so no
 * byte offset is ever counted by hand (DESIGN §7). Scalars only (4 bytes each, so offsets are dense);
 * the struct is padded to 16 bytes as uniform buffers require.
 */
export type UniformScalar = 'u32' | 'i32' | 'f32';
export type UniformFields = Record<string, UniformScalar>;
export type UniformValues<F extends UniformFields> = { [K in keyof F]: number };

export class UniformSchema<F extends UniformFields> {
  readonly names: readonly (keyof F & string)[];
  readonly byteLength: number;

  constructor(readonly fields: F) {
    this.names = Object.keys(fields);
    if (this.names.length === 0) throw new RangeError('A uniform schema needs at least one field');
    this.byteLength = Math.ceil((this.names.length * 4) / 16) * 16;
  }

  /** `struct Params { m: u32, … }` for the top of the kernel's WGSL. */
  wgsl(structName = 'Params'): string {
    const members = this.names.map((name) => `  ${name}: ${this.fields[name]},`).join('\n');
    return `struct ${structName} {\n${members}\n}\n`;
  }

  pack(values: UniformValues<F>): ArrayBuffer {
    const bytes = new ArrayBuffer(this.byteLength);
    const view = new DataView(bytes);
    this.names.forEach((name, index) => {
      const value = values[name];
      if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`uniform ${name} is not a number: ${value}`);
      const offset = index * 4;
      switch (this.fields[name]) {
        case 'u32':
          if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`uniform ${name} = ${value} is not a u32`);
          view.setUint32(offset, value, true);
          break;
        case 'i32':
          if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) throw new RangeError(`uniform ${name} = ${value} is not an i32`);
          view.setInt32(offset, value, true);
          break;
        case 'f32':
          view.setFloat32(offset, value, true);
          break;
      }
    });
    return bytes;
  }
}

export function uniforms<F extends UniformFields>(fields: F): UniformSchema<F> {
  return new UniformSchema(fields);
}
