// The options of MoonSocket, MoonListener and park(): a bad value or an
// unknown key is a MoonSocketError INVALID_OPTION where the options are
// taken, its message naming the package, the call, the option, what it takes
// and what it got; a Moonbridge (snake_case) or other near name gets "did you
// mean ...?". A bad argument that is not an options entry stays
// INVALID_ARGUMENT.

import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { MoonListener, MoonSocket, MoonSocketError, type ParkingLot, poll } from "../src/index";
import { resolveListenerOptions, resolveParkOptions } from "../src/internal/options";
import { cleanup, pair, takeHandle } from "./helpers/connect";

afterEach(cleanup);

/** The MoonSocketError that `run` throws. */
function caught(run: () => unknown): MoonSocketError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MoonSocketError);
    return error as MoonSocketError;
  }
  throw new Error("expected a throw");
}

const SOCKET_NAMES =
  "interval, unread, inputBufferLimit, outputBufferLimit, maxLineLength, closeTimeout, parking, resumed, parkNote, proxyHeader, turns";

const lot: ParkingLot = {
  open: true,
  wanted: false,
  leaving: false,
  onWanted: () => () => {},
  take: () => {},
};

describe("MoonSocket options", () => {
  it.each([
    { name: "inputBufferLimit", value: 0, message: "must be an integer >= 1 (bytes), got 0" },
    { name: "outputBufferLimit", value: 1.5, message: "must be an integer >= 1 (bytes), got 1.5" },
    { name: "maxLineLength", value: "64k", message: 'must be an integer >= 1 (bytes), got "64k"' },
    {
      name: "closeTimeout",
      value: -1,
      message: "must be a finite number >= 0 (seconds), got -1",
    },
    { name: "interval", value: 5, message: "must be a string, got 5" },
    { name: "unread", value: "x", message: 'must be a Uint8Array, got "x"' },
    { name: "parking", value: true, message: "must be a ParkingLot, got true" },
    { name: "resumed", value: 1, message: "must be a boolean, got 1" },
    { name: "parkNote", value: {}, message: "must be a string, got an object" },
    { name: "proxyHeader", value: "x", message: 'must be a ProxyHeaderInfo, got "x"' },
    { name: "turns", value: () => {}, message: "must be a TurnKeeper, got a function" },
  ])("$name: $value is an INVALID_OPTION", ({ name, value, message }) => {
    const error = caught(() => new MoonSocket(null, { [name]: value }));
    expect(error.code).toBe("INVALID_OPTION");
    expect(error.message).toBe(`@moonbridge/socket: MoonSocket: ${name} ${message}`);
  });

  it.each([
    { key: "input_buffer_limit", hint: "did you mean inputBufferLimit?" },
    { key: "max-line-length", hint: "did you mean maxLineLength?" },
    { key: "CloseTimeout", hint: "did you mean closeTimeout?" },
    { key: "parknote", hint: "did you mean parkNote?" },
    { key: "closeTimout", hint: "did you mean closeTimeout?" },
    { key: "timeout", hint: `known options: ${SOCKET_NAMES}` },
  ])("an unknown key $key is an INVALID_OPTION: $hint", ({ key, hint }) => {
    const error = caught(() => new MoonSocket(null, { [key]: 1 } as never));
    expect(error.code).toBe("INVALID_OPTION");
    expect(error.message).toBe(
      `@moonbridge/socket: MoonSocket: unknown option ${JSON.stringify(key)}; ${hint}`,
    );
  });

  it("options that are not an object are an INVALID_OPTION", () => {
    expect(caught(() => new MoonSocket(null, null as never))).toMatchObject({
      code: "INVALID_OPTION",
      message: "@moonbridge/socket: MoonSocket: options must be an object, got null",
    });
  });

  it("fromHandle checks them too, before it takes the handle", async () => {
    const { raw } = await pair("tcp");
    const handle = takeHandle(raw);
    expect(
      caught(() => MoonSocket.fromHandle(handle, { max_line_length: 5 } as never)),
    ).toMatchObject({
      code: "INVALID_OPTION",
      message: expect.stringMatching(/did you mean maxLineLength\?$/),
    });
  });

  it("undefined entries are missing ones, as the pool passes them", () => {
    const socket = new MoonSocket(null, {
      interval: undefined,
      unread: undefined,
      parking: undefined,
      resumed: undefined,
      parkNote: undefined,
      inputBufferLimit: undefined,
    } as never);
    expect(socket.parkNote).toBeUndefined();
    expect(
      () => new MoonSocket(null, { parking: lot, resumed: true, parkNote: "n" }),
    ).not.toThrow();
  });
});

describe("MoonListener options", () => {
  it("a bad maxPending is an INVALID_OPTION", () => {
    const error = caught(() => new MoonListener(createServer(), { maxPending: 0 }));
    expect(error.code).toBe("INVALID_OPTION");
    expect(error.message).toBe(
      "@moonbridge/socket: MoonListener: maxPending must be an integer >= 1 (connections), got 0",
    );
  });

  it("an unknown key is an INVALID_OPTION, a snake_case one with the name meant", () => {
    expect(caught(() => new MoonListener(createServer(), { backlog: 5 } as never)).code).toBe(
      "INVALID_OPTION",
    );
    expect(
      caught(() => new MoonListener(createServer(), { close_timeout: 5 } as never)).message,
    ).toBe(
      '@moonbridge/socket: MoonListener: unknown option "close_timeout"; did you mean closeTimeout?',
    );
    expect(
      caught(() => new MoonListener(createServer(), { max_pending: 5 } as never)).message,
    ).toMatch(/unknown option "max_pending"; did you mean maxPending\?$/);
  });

  it("resolveListenerOptions: maxPending and the sockets' options, each key known", () => {
    expect(resolveListenerOptions({})).toEqual({ maxPending: 1024, socketOptions: {} });
    expect(resolveListenerOptions({ maxPending: 3, closeTimeout: 1 })).toEqual({
      maxPending: 3,
      socketOptions: { closeTimeout: 1 },
    });
    expect(caught(() => resolveListenerOptions({ max_pending: 3 })).message).toBe(
      '@moonbridge/socket: MoonListener: unknown option "max_pending"; did you mean maxPending?',
    );
    expect(caught(() => resolveListenerOptions({ interval: "x" })).message).toMatch(
      /^@moonbridge\/socket: MoonListener: unknown option "interval"; known options: /,
    );
    expect(caught(() => resolveListenerOptions({ closeTimeout: -1 })).message).toBe(
      "@moonbridge/socket: MoonListener: closeTimeout must be a finite number >= 0 (seconds), got -1",
    );
  });
});

describe("park() options: resolveParkOptions", () => {
  it("fills in the defaults", () => {
    expect(resolveParkOptions({})).toEqual({
      prefix: undefined,
      timeout: 65,
      note: undefined,
      resumeOnTimeout: false,
    });
  });

  it.each([
    { name: "timeout", value: -1, message: "must be a finite number >= 0 (seconds), got -1" },
    { name: "prefix", value: "text", message: 'must be a Uint8Array, got "text"' },
    { name: "note", value: 7, message: "must be a string of at most 1024 characters, got 7" },
    {
      name: "note",
      value: "x".repeat(1025),
      message: "must be a string of at most 1024 characters, got a string of 1025 characters",
    },
    { name: "resumeOnTimeout", value: "yes", message: 'must be a boolean, got "yes"' },
  ])("$name: $value is an INVALID_OPTION", ({ name, value, message }) => {
    expect(caught(() => resolveParkOptions({ [name]: value }))).toMatchObject({
      code: "INVALID_OPTION",
      message: `@moonbridge/socket: park(): ${name} ${message}`,
    });
  });

  it("an unknown key is an INVALID_OPTION, a snake_case one with the name meant", () => {
    expect(caught(() => resolveParkOptions({ resume_on_timeout: true })).message).toBe(
      '@moonbridge/socket: park(): unknown option "resume_on_timeout"; did you mean resumeOnTimeout?',
    );
    expect(caught(() => resolveParkOptions({ wake: true })).message).toBe(
      '@moonbridge/socket: park(): unknown option "wake"; known options: prefix, timeout, note, resumeOnTimeout',
    );
  });
});

describe("arguments that are not options stay INVALID_ARGUMENT", () => {
  it("xread's maxlen and terminator, poll's and close's timeouts", async () => {
    const socket = new MoonSocket(null);
    await expect(socket.xread(-1)).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: "@moonbridge/socket: maxlen must be an integer >= 0 (bytes), got -1",
    });
    await expect(socket.xread(1, "ab")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(poll([socket], null, -1)).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: "@moonbridge/socket: timeoutSeconds must be a finite number >= 0 (seconds), got -1",
    });
    await expect(socket.close(Number.NaN)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});
