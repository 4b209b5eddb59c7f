// What the request and the response parser benches share: a competitor made
// around a driver (a function that sets up one parser for a corpus item,
// reporting to a sink, and returns the timed unit of work: parse the item's
// bytes once), and the check that a parser consumed all it was given.

/** How many times `summarize` runs the timed path to check it. */
const CHECK_PASSES = 3;

/**
 * Throws unless a parser consumed all `length` bytes.
 * @param {number} consumed
 * @param {number} length
 * @param {string} who
 */
export function checkConsumed(consumed, length, who) {
  if (consumed !== length) throw new Error(`${who} consumed ${consumed} of ${length} bytes`);
}

/**
 * A competitor around `driver`: `setup` returns the timed unit of work (with
 * a new `Tally` as sink); `summarize` records one pass in full with a new
 * `Recorder` (its `messages` list: "requests" or "responses"), then runs the
 * timed path itself a few times and reports the tally's counts per pass, so
 * the check also covers the reuse of one parser across passes.
 * @template {object} Item
 * @template {object} Sink
 * @param {string} name
 * @param {(item: Item, sink: Sink) => () => void} driver
 * @param {{ Tally: new () => Sink, Recorder: new () => Sink, messages: string }} sinks
 * @returns {{ name: string, setup: (item: Item) => () => void, summarize: (item: Item) => unknown }}
 */
export function checkedCompetitor(name, driver, { Tally, Recorder, messages }) {
  return {
    name,
    setup: (item) => driver(item, new Tally()),
    summarize(item) {
      const recorder = new Recorder();
      driver(item, recorder)();
      const tally = new Tally();
      const work = driver(item, tally);
      for (let i = 0; i < CHECK_PASSES; i++) work();
      /** @type {Record<string, number>} */
      const perPass = {};
      for (const [key, count] of Object.entries(tally)) perPass[key] = count / CHECK_PASSES;
      return { [messages]: /** @type {Record<string, unknown>} */ (recorder)[messages], perPass };
    },
  };
}
