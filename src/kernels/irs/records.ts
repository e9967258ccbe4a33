/**
 * Storage-buffer records declared once, like the uniform schema (src/kernels/uniforms.ts): the layout
 * writes the WGSL struct and packs arrays of records, so no stride or offset is counted by hand.
 * Scalars only (4 bytes each), so a record's stride is 4 × its field count.
 */
export type RecordScalar = 'u32' | 'f32';
export type RecordFields = Record<string, RecordScalar>;
export type RecordValues<F extends RecordFields> = { [K in keyof F]: number };

export class RecordLayout<F extends RecordFields> {
  readonly names: readonly (keyof F & string)[];
  readonly stride: number;

  constructor(
    readonly structName: string,
    readonly fields: F,
  ) {
    this.names = Object.keys(fields);
    this.stride = this.names.length * 4;
  }

  wgsl(): string {
    return `struct ${this.structName} {\n${this.names.map((name) => `  ${name}: ${this.fields[name]},`).join('\n')}\n}\n`;
  }

  /** Packs the records; at least one (zeroed) record, since a binding must hold one element. */
  pack(records: readonly RecordValues<F>[]): ArrayBuffer {
    const bytes = new ArrayBuffer(Math.max(1, records.length) * this.stride);
    const view = new DataView(bytes);
    records.forEach((record, r) => {
      this.names.forEach((name, i) => {
        const offset = r * this.stride + i * 4;
        const value = record[name];
        if (this.fields[name] === 'u32') {
          if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`${this.structName}.${name} = ${value} is not a u32`);
          view.setUint32(offset, value, true);
        } else {
          view.setFloat32(offset, value, true);
        }
      });
    });
    return bytes;
  }
}

export function recordLayout<F extends RecordFields>(structName: string, fields: F): RecordLayout<F> {
  return new RecordLayout(structName, fields);
}
