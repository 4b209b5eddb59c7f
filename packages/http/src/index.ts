// Public surface of @moonbridge/http.

export type { PartMeta } from "@moonbridge/body-parser";
export { HttpError, type HttpErrorCode } from "./errors";
export { type ConnectHandler, generateHandler, type RequestCallback } from "./generate-handler";
export type { HttpOptions, StaticHeaders } from "./options";
export { type PostStreamCallback, Request, type ResponseData } from "./request";
