// The application/x-www-form-urlencoded parsers compared, each made to
// produce the same thing: a Map from every name to all of its values, in
// order (what parseUrlencoded returns).
//
// - moonbridge: parseUrlencoded of @moonbridge/body-parser, from its build.
// - URLSearchParams: the WHATWG parser built into Node, its entries gathered
//   into the Map.
// - querystring: node:querystring's parse, its object turned into the Map.
//
// The "(bytes)" item starts from the body as a Buffer, as a request hands it
// over: parseUrlencoded takes the bytes, the peers decode them as UTF-8 first.

import { createRequire } from "node:module";
import querystring from "node:querystring";
import { loadBuilt } from "../harness.mjs";

/** @typedef {import("./corpus.mjs").UrlencodedItem} UrlencodedItem */
/** @typedef {import("./corpus.mjs").UrlencodedInput} UrlencodedInput */
/** @typedef {import("../harness.mjs").Competitor<UrlencodedInput>} UrlencodedCompetitor */
/** @typedef {(input: UrlencodedInput, fromBytes: boolean) => Map<string, string[]>} Parse */

/**
 * @param {Map<string, string[]>} map
 * @param {string} name
 * @param {string} value
 */
function add(map, name, value) {
  const values = map.get(name);
  if (values === undefined) map.set(name, [value]);
  else values.push(value);
}

/** @type {Parse} */
function withUrlSearchParams(input, fromBytes) {
  const text = fromBytes ? input.bytes.toString("utf8") : input.text;
  /** @type {Map<string, string[]>} */
  const map = new Map();
  for (const [name, value] of new URLSearchParams(text)) add(map, name, value);
  return map;
}

/** @type {Parse} */
function withQuerystring(input, fromBytes) {
  const text = fromBytes ? input.bytes.toString("utf8") : input.text;
  const parsed = querystring.parse(text);
  /** @type {Map<string, string[]>} */
  const map = new Map();
  for (const name in parsed) {
    const value = /** @type {string | string[]} */ (parsed[name]);
    map.set(name, Array.isArray(value) ? value : [value]);
  }
  return map;
}

/**
 * @returns {Promise<Parse>}
 */
async function moonbridgeParse() {
  const { parseUrlencoded } = await loadBuilt(
    "@moonbridge/body-parser",
    () => import("@moonbridge/body-parser"),
  );
  return (input, fromBytes) => parseUrlencoded(fromBytes ? input.bytes : input.text);
}

/**
 * @param {string} name
 * @param {Parse} parse
 * @returns {UrlencodedCompetitor}
 */
function competitor(name, parse) {
  return {
    name,
    setup(item) {
      const fromBytes = item.name.includes("(bytes)");
      const input = item.input;
      let sink = 0;
      return () => {
        sink += parse(input, fromBytes).size;
        return sink;
      };
    },
    summarize(item) {
      return [...parse(item.input, item.name.includes("(bytes)"))];
    },
  };
}

/** Names of the competitors, in table order. */
export const NAMES = Object.freeze(["moonbridge", "URLSearchParams", "querystring"]);

/** The name the ratios are relative to. */
export const BASELINE = "URLSearchParams";

/**
 * The competitors whose names are in `names` (all by default), in table order.
 * @param {readonly string[]} [names]
 * @returns {Promise<UrlencodedCompetitor[]>}
 */
export async function loadCompetitors(names = NAMES) {
  /** @type {UrlencodedCompetitor[]} */
  const out = [];
  for (const name of NAMES) {
    if (!names.includes(name)) continue;
    if (name === "moonbridge") out.push(competitor(name, await moonbridgeParse()));
    if (name === "URLSearchParams") out.push(competitor(name, withUrlSearchParams));
    if (name === "querystring") out.push(competitor(name, withQuerystring));
  }
  return out;
}

/** Versions to print under the table. */
export function versions() {
  const require = createRequire(import.meta.url);
  let moonbridge = "?";
  try {
    moonbridge = /** @type {{ version: string }} */ (
      require("@moonbridge/body-parser/package.json")
    ).version;
  } catch {}
  return { node: process.version, moonbridge };
}
