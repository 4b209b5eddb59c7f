// Public surface of @moonbridge/body-parser.
export { getBoundary } from "./boundary";
export { BodyParserError, type BodyParserErrorCode, ERROR_STATUS } from "./errors";
export { MultipartParser } from "./multipart-parser";
export { parseMultipart } from "./parse-multipart";
export type {
  BoundaryOptions,
  ByteStreamLike,
  MimePartMeta,
  MultipartHandler,
  MultipartLimits,
  MultipartOptions,
  MultipartPart,
  MultipartSource,
  PartMeta,
  UrlencodedLimits,
} from "./types";
export { firstValues, parseUrlencoded } from "./urlencoded";
