// What a worker that holds many connections and runs one request at a time
// gives each of its sockets (MoonSocket option `turns`). The worker has one
// turn: the socket whose handler runs the application holds it. A handler
// that waits for its client (an idle keep-alive connection, a request head
// still arriving) gives the turn back, so that the worker serves its other
// connections meanwhile, and takes it again before it runs the application.
// This package only describes it; @moonbridge/supervisor's workers give one
// to every connection, and @moonbridge/http's handler uses it between
// requests. A socket without a keeper always holds its turn.

/** The worker's side of the turns (option `turns` of MoonSocket); the socket calls it, handlers call the socket. */
export interface TurnKeeper {
  /** Gives `holder` the turn if nobody holds it: true if `holder` holds it now. */
  take(holder: object): boolean;
  /** Resolves once `holder` holds the turn, after those that waited before it. */
  wait(holder: object): Promise<void>;
  /**
   * `holder` gives the turn back; nothing if it does not hold it. `idle`:
   * its connection now waits for its client's next (or first) message, with
   * nothing of it read, so the keeper may have another process hold a
   * copy of it meanwhile (the pool's supervisor does, so that it outlives
   * a worker that dies). `ready`: its next message is here, and it takes the
   * turn back in a moment (@moonbridge/http's look for a departed client):
   * the keeper may leave the turn with it, and takes nothing new meanwhile.
   */
  give(holder: object, idle?: boolean, ready?: boolean): void;
  /**
   * True while another process holds a copy of `holder`'s connection: then
   * closing it must send its FIN explicitly (closing one copy sends none).
   */
  copied?(holder: object): boolean;
  /**
   * `holder` begins serving one request (@moonbridge/http calls it once per
   * request): a keeper that replaces its worker after so many (the pool's
   * maxRequests) counts it. A handler that never says so serves one request
   * per connection.
   */
  request?(holder: object): void;
}
