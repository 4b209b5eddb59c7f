// A zero-length byte array, shared: a parser starts with it instead of making
// its own (typed arrays are not cheap to create, and a pool of one-connection
// workers makes a parser per connection). Nothing can be written to it.

export const NO_BYTES = new Uint8Array(0);
