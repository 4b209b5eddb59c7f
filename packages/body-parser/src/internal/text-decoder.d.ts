// TextDecoder and TextEncoder are globals in every runtime this package
// supports (Node, Deno, Bun, browsers), but not in the ES2022 lib; declare
// the parts we use.
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: Uint8Array): string;
}
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
