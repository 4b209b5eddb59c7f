// Public surface of @moonbridge/http-parser.
export { ERROR_STATUS, HttpParserError, type HttpParserErrorCode } from "./errors";
export { RequestParser } from "./request-parser";
export { ResponseParser } from "./response-parser";
export type {
  RequestHandler,
  RequestHead,
  RequestParserOptions,
  ResponseHandler,
  ResponseHead,
  ResponseParserOptions,
} from "./types";
