// Zero-length arrays, shared: a parser starts with these instead of making
// its own (typed arrays are not cheap to create, and a pool of one-connection
// workers makes a parser per connection). Nothing can be written to them.

export const NO_BYTES = new Uint8Array(0);
export const NO_INTS = new Int32Array(0);
