// The public types of @moonbridge/http as an application meets them (issue
// #26): what must compile and what must not. `pnpm typecheck` checks this
// file against the sources; test/declarations.test.ts checks it against the
// built .d.ts with an application's compiler options (strict, without
// noUncheckedIndexedAccess). Nothing here runs: the requests are parameters
// of callbacks that are never called. Each `@ts-expect-error` fails the check
// once what it refuses compiles again; table types are also asserted as
// indexed types (`T[string]`), which no compiler option widens.

import { assertType, expectTypeOf } from "vitest";
import {
  type ConnectHandler,
  generateHandler,
  type HeaderTable,
  type ParamTable,
  type PartMeta,
  Request,
  type RequestCallback,
  type ResponseStatus,
} from "../src/index";

// The request's internals are not part of its type.

expectTypeOf<Request>().not.toHaveProperty("response");
expectTypeOf<Request>().not.toHaveProperty("requestBody");
expectTypeOf<Extract<keyof Request, symbol>>().toBeNever();

export const internalsHidden: RequestCallback = (request) => {
  // @ts-expect-error: the response object is internal
  request.response.status(200);
  // @ts-expect-error: the body object is internal
  request.requestBody.discard();
  return true;
};

// @ts-expect-error: only the handler makes requests (the constructor is private)
export const made = new Request(undefined as never, undefined as never);

// @ts-expect-error: nor can an application extend the class to make them
export class OwnRequest extends Request {}

// Request is a type for callbacks, and the class itself is still exported.

expectTypeOf<RequestCallback>().parameter(0).toEqualTypeOf<Request>();
expectTypeOf(generateHandler).returns.toEqualTypeOf<ConnectHandler>();
export const isRequest = (value: unknown): value is Request => value instanceof Request;
export const named = generateHandler(async (request: Request) => {
  request.sendStatus(204);
  await request.finish();
  return true;
});
// @ts-expect-error: a callback that forgets `return true` does not compile
generateHandler(async (request: Request) => {
  request.sendStatus(204);
  await request.finish();
});

// Tables say that an absent name gives undefined, and are read-only.

expectTypeOf<Request["getParams"]>().toEqualTypeOf<ParamTable<string>>();
expectTypeOf<Request["getParams"][string]>().toEqualTypeOf<string | undefined>();
expectTypeOf<Request["getParamsList"][string]>().toEqualTypeOf<string[] | undefined>();
expectTypeOf<Awaited<Request["postParams"]>[string]>().toEqualTypeOf<string | undefined>();
expectTypeOf<Awaited<Request["postParamsList"]>[string]>().toEqualTypeOf<string[] | undefined>();
expectTypeOf<NonNullable<Awaited<Request["postMetadata"]>>[string]>().toEqualTypeOf<
  PartMeta | undefined
>();
expectTypeOf<NonNullable<Awaited<Request["postMetadataList"]>>[string]>().toEqualTypeOf<
  PartMeta[] | undefined
>();
expectTypeOf<Request["cookies"]>().toEqualTypeOf<HeaderTable<string, undefined>>();
expectTypeOf<Request["cookies"][string]>().toEqualTypeOf<string | undefined>();
expectTypeOf<Request["headersValue"][string]>().toEqualTypeOf<string | false | undefined>();
// Header views whose absent names give `[]`, `""` or false.
expectTypeOf<Request["headers"][string]>().toEqualTypeOf<string[]>();
expectTypeOf<Request["headersCsvString"][string]>().toEqualTypeOf<string>();
expectTypeOf<Request["headersCsvTable"][string]>().toEqualTypeOf<string[]>();
expectTypeOf<Request["headersFlags"][string][string]>().toEqualTypeOf<boolean>();

export const tables: RequestCallback = async (request) => {
  expectTypeOf(request.getParams.page).toEqualTypeOf<string | undefined>();
  expectTypeOf(request.getParamsList.page).toEqualTypeOf<string[] | undefined>();
  expectTypeOf(request.cookies.sid).toEqualTypeOf<string | undefined>();
  expectTypeOf((await request.postParams).comment).toEqualTypeOf<string | undefined>();
  expectTypeOf((await request.postParamsList).files).toEqualTypeOf<string[] | undefined>();
  expectTypeOf((await request.postMetadata)?.files).toEqualTypeOf<PartMeta | undefined>();
  // @ts-expect-error: a value may be absent
  assertType<string>(request.getParams.page);
  // @ts-expect-error: a cookie may be absent
  assertType<string>(request.cookies.sid);
  // Iteration gives the names present, so their values.
  for (const [name, value] of request.cookies) assertType<[string, string]>([name, value]);
  for (const [name, value] of request.headersValue) {
    assertType<[string, string | false]>([name, value]);
  }
  // @ts-expect-error: read-only
  request.getParams.page = "1";
  // @ts-expect-error: read-only
  request.cookies.sid = "x";
  // @ts-expect-error: read-only
  request.headers.host = ["example.com"];
  request.sendStatus(200);
  await request.finish();
  return true;
};

// sendStatus() takes a number, or a string that starts with a final status's three digits.

assertType<ResponseStatus>(404);
assertType<ResponseStatus>("404");
assertType<ResponseStatus>("404 Not Found");
assertType<ResponseStatus>("299 ");

export const statuses: RequestCallback = (request) => {
  request.sendStatus("200 OK");
  // @ts-expect-error: not a status
  request.sendStatus("two hundred");
  // @ts-expect-error: a reason without a code
  request.sendStatus("OK");
  // @ts-expect-error: the code must come first, as three digits
  request.sendStatus("2e2 OK");
  // @ts-expect-error: four digits
  request.sendStatus("2000");
  // @ts-expect-error: a space between code and reason
  request.sendStatus("200OK");
  // @ts-expect-error: interim responses (1xx) are the server's
  request.sendStatus("100 Continue");
  // @ts-expect-error: any string at all
  request.sendStatus(String(request.getParams.status));
  return true;
};
