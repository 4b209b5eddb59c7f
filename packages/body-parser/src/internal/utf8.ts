// UTF-8 to string, BOM kept, U+FFFD for what is not UTF-8. Node's Buffer
// (also Bun's and Deno's node:buffer) has `utf8Slice(start, end)`, the native
// call behind its documented toString("utf8"): on a Buffer input it gives the
// same text as TextDecoder without a view to make and TextDecoder's wrapper
// to go through (a multipart part's header section is decoded this way once
// per part). Any other Uint8Array takes TextDecoder.

import { view } from "./view";

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

interface NodeBufferLike {
  utf8Slice?: (start: number, end: number) => string;
}

/** The text of `bytes[start, end)`, decoded as UTF-8. */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  const buffer = bytes as NodeBufferLike;
  return typeof buffer.utf8Slice === "function"
    ? buffer.utf8Slice(start, end)
    : utf8.decode(view(bytes, start, end));
}
