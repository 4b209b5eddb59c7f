// Public surface of @moonbridge/http.

export type { PartMeta } from "@moonbridge/body-parser";
export { HttpError, type HttpErrorCode } from "./errors";
export { type FetchFunction, fetchHandler } from "./fetch-handler";
export { generateHandler } from "./generate-handler";
export type { ErrorPage } from "./internal/error-pages";
export type { HttpOptions, StaticHeaders } from "./options";
export {
  type HeaderTable,
  type ParamTable,
  type PostStreamCallback,
  type RedirectStatus,
  Request,
  /** The same class as Request, by a name that does not hide the web platform's Request. */
  Request as HttpRequest,
  type ResponseData,
  type ResponseStatus,
  type SendFileOptions,
} from "./request";
export type { AccessLogEntry, ConnectHandler, RequestCallback } from "./types";
