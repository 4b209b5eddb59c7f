// Plain Uint8Array views: Node's Buffer#subarray looks up a species
// constructor and builds a Buffer, several times slower than this.

/** A Uint8Array view of `data[start, end)` sharing its memory. */
export function view(data: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset + start, end - start);
}
