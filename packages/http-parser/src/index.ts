// Public surface of @moonbridge/http-parser.
export { ERROR_STATUS, HttpParserError, type HttpParserErrorCode } from "./errors";
export { RequestParser } from "./request-parser";
export type { RequestHandler, RequestHead, RequestParserOptions } from "./types";
