// A request body as text or JSON (request.text(), request.json()): its media
// type and charset from Content-Type, the bytes decoded strictly (bytes that
// are not text in that charset are the client's fault, not replaced), and
// JSON parsed. The client's faults are HttpErrors with a status, which the
// server answers when the application does not catch them.

import { TextDecoder } from "node:util";
import { HttpError } from "../errors";

/** The media type (lowercased, no parameters) and the charset parameter of a Content-Type value. */
export function mediaType(contentType: string | undefined): {
  type: string | undefined;
  charset: string | undefined;
} {
  if (contentType === undefined) return { type: undefined, charset: undefined };
  const [type, ...parameters] = contentType.split(";");
  let charset: string | undefined;
  for (const parameter of parameters) {
    const at = parameter.indexOf("=");
    if (at === -1 || parameter.slice(0, at).trim().toLowerCase() !== "charset") continue;
    charset = parameter
      .slice(at + 1)
      .trim()
      .replace(/^"(.*)"$/, "$1")
      .toLowerCase();
  }
  const name = (type ?? "").trim().toLowerCase();
  return { type: name === "" ? undefined : name, charset };
}

/** True for application/json and every structured syntax suffix type `+json` (RFC 6839). */
export function isJsonType(type: string | undefined): boolean {
  if (type === undefined) return false;
  const slash = type.indexOf("/");
  return type === "application/json" || (slash > 0 && type.endsWith("+json"));
}

/**
 * The body's text in `charset` (UTF-8 when none is named), a byte order mark
 * dropped. UNSUPPORTED_MEDIA_TYPE (415) for a charset this runtime cannot
 * decode; BODY_INVALID (400) for bytes that are not text in it.
 */
export function decodeText(bytes: Uint8Array, charset: string | undefined): string {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset ?? "utf-8", { fatal: true });
  } catch {
    throw new HttpError(
      "UNSUPPORTED_MEDIA_TYPE",
      `the request body's charset ${JSON.stringify(charset)} is not one this server decodes`,
    );
  }
  try {
    return decoder.decode(bytes);
  } catch {
    throw new HttpError("BODY_INVALID", `the request body is not valid ${decoder.encoding} text`);
  }
}

/** The value of a JSON body; BODY_INVALID (400) for one that is not JSON (an empty one included). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(
      "BODY_INVALID",
      `the request body is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
