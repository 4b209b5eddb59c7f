// Public surface of @moonbridge/body-parser.
export { getBoundary } from "./boundary";
export { BodyParserError, type BodyParserErrorCode, ERROR_STATUS } from "./errors";
export { MultipartParser } from "./multipart-parser";
export type { MultipartHandler, MultipartLimits, PartMeta, UrlencodedLimits } from "./types";
export { firstValues, parseUrlencoded } from "./urlencoded";
