// The dual-package checks of a package's error class. Loaded through import
// and through require, a package is two copies in one process; each copy's
// error class is branded (Symbol.for and Symbol.hasInstance), so that an error
// of either copy is the other's, its code (and status) kept, while lookalikes
// are not and a subclass keeps its own instanceof. Each package lists how its
// errors are made; the checks are the same for all.
import { describe, expect, it } from "vitest";
import type { Copies } from "./build";

/** An error class as the packages have them: `new Class(code, message)`. */
type ErrorClass = abstract new (code: never, message: string) => Error;
/** The names of a module's exports that are error classes. */
type ErrorClassName<Copy> = {
  [Name in keyof Copy]: Copy[Name] extends ErrorClass ? Name : never;
}[keyof Copy] &
  string;
/** The code an error class is made with. */
type CodeOf<Class> = Class extends abstract new (
  code: infer Code,
  message: string,
) => Error
  ? Code
  : never;
/** What the checks do with a class: make one, extend it, test instanceof. */
type Constructor = new (code: unknown, message: string) => Error;

/** One way a copy of the package makes an error of its class, and what the error carries. */
export interface ErrorCase<Copy> {
  /** What makes the error, for the test's name: "a bad option's INVALID_OPTION". */
  what: string;
  /** Makes the error with one copy: throws it (or, with `rejects`, returns a promise that rejects with it). */
  input: (copy: Copy) => unknown;
  /** What the error carries (its `code`, and its `status` where it has one). */
  expected: Record<string, unknown>;
  /** The error comes as the rejection of the promise `input` returns, not as a throw. @default false */
  rejects?: boolean;
  /** A built-in class the error is an instance of too (HeadersError is a TypeError). */
  alsoInstanceOf?: abstract new (
    ...args: never[]
  ) => Error;
}

/** A package's part in the checks of its error class. */
export interface ErrorClassChecks<Copy, Class> {
  /** The ways the package makes an error of its class; each runs on either copy. */
  cases: ErrorCase<Copy>[];
  /** Things that look like the class's errors (an Error with its code, a plain object with a code) and are not; `null`, `undefined`, `"x"` and `1` are added. */
  lookalikes: unknown[];
  /** A code to make one with `new`, and one of a subclass. */
  code: CodeOf<Class>;
}

/** What `make` throws, or (with `rejects`) what the promise it returns rejects with. */
async function failure(make: () => unknown, rejects: boolean): Promise<unknown> {
  if (rejects) {
    return Promise.resolve(make()).then(
      () => {
        throw new Error("expected a rejection");
      },
      (error: unknown) => error,
    );
  }
  try {
    make();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

/**
 * Describes the package's error class `name` across the two copies of its
 * build: two classes; an error either copy makes (each of `checks.cases`) is
 * an instance of both, carrying what the case expects; one made with `new`,
 * and one of a subclass, is the other copy's too; the `lookalikes` are not;
 * a subclass keeps its own instanceof.
 *
 * @example
 * ```ts
 * const copies = await loadBuild<typeof Package>(new URL("../dist/", import.meta.url));
 * describeErrorAcrossCopies(copies, "TimeoutError", {
 *   cases: [
 *     { what: "a negative time's INVALID_ARGUMENT", input: (copy) => copy.timeout(-1),
 *       expected: { code: "INVALID_ARGUMENT" } },
 *   ],
 *   lookalikes: [Object.assign(new RangeError("x"), { code: "INVALID_ARGUMENT" })],
 *   code: "INVALID_ARGUMENT",
 * });
 * ```
 */
export function describeErrorAcrossCopies<Copy, Name extends ErrorClassName<Copy>>(
  copies: Copies<Copy>,
  name: Name,
  checks: ErrorClassChecks<Copy, Copy[Name]>,
): void {
  describe(`${name}, of either copy`, () => {
    it("is two classes: the build is loaded twice", () => {
      expect(copies.esm[name]).not.toBe(copies.cjs[name]);
    });

    describe.each([
      ["esm", "cjs"],
      ["cjs", "esm"],
    ] as const)("made by the %s copy, seen by the %s copy", (made, seeing) => {
      const maker = copies[made];
      const Made = maker[name] as unknown as Constructor;
      const Seen = copies[seeing][name] as unknown as Constructor;

      for (const { what, input, expected, rejects = false, alsoInstanceOf } of checks.cases) {
        const kept = Object.keys(expected).join(" and ");
        it(`${what} is its ${name}, ${kept} kept`, async () => {
          const error = await failure(() => input(maker), rejects);
          expect(error).toBeInstanceOf(Made);
          expect(error).toBeInstanceOf(Seen);
          if (alsoInstanceOf !== undefined) expect(error).toBeInstanceOf(alsoInstanceOf);
          expect(error).toMatchObject(expected);
        });
      }

      it(`one made with new is the other copy's ${name}`, () => {
        expect(new Made(checks.code, "x")).toBeInstanceOf(Seen);
      });

      it(`other things are not ${name}s, whatever their code`, () => {
        for (const value of [...checks.lookalikes, null, undefined, "x", 1]) {
          expect(value instanceof Seen, `${String(value)} ${JSON.stringify(value)}`).toBe(false);
        }
      });

      it("a subclass keeps its own instanceof", () => {
        class Sub extends Made {}
        expect(new Sub(checks.code, "x")).toBeInstanceOf(Seen);
        expect(new Sub(checks.code, "x")).toBeInstanceOf(Sub);
        expect(new Seen(checks.code, "x")).not.toBeInstanceOf(Sub);
      });
    });
  });
}
