// TextDecoder is a global in every runtime this package supports (Node, Deno,
// Bun, browsers), but not in the ES2022 lib; declare the part we use.
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: Uint8Array): string;
}
