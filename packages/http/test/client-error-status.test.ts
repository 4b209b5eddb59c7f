// Which errors are the client's (answered with their status, the connection
// closed, nothing reported) and which the server's: a parser's bad option or
// argument carries status 500 but is the application's mistake, reported as
// any error of its callback is.
import { BodyParserError } from "@moonbridge/body-parser";
import { HttpParserError } from "@moonbridge/http-parser";
import { describe, expect, it } from "vitest";
import { clientErrorStatus } from "../src/internal/connection";

describe("clientErrorStatus", () => {
  it.each([
    [new HttpParserError("HPE_INVALID_METHOD", "x"), 400],
    [new HttpParserError("HPE_UNSUPPORTED_VERSION", "x"), 505],
    [new BodyParserError("MULTIPART_BODY_TOO_LARGE", "x"), 413],
    [new HttpParserError("INVALID_OPTION", "x"), undefined],
    [new HttpParserError("INVALID_ARGUMENT", "x"), undefined],
    [new BodyParserError("INVALID_OPTION", "x"), undefined],
    [new BodyParserError("INVALID_ARGUMENT", "x"), undefined],
    [new Error("x"), undefined],
  ])("%s: %s", (error, status) => {
    expect(clientErrorStatus(error)).toBe(status);
  });
});
