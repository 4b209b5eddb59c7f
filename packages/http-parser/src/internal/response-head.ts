// Turns a finished response header section into a ResponseHead: the fields
// read by the same code as a request's, then the body framing of RFC 9112
// section 6.3, which for a response also depends on the status and on the
// method of the request it answers. Throws HttpParserError; never calls the handler.

import { HttpParserError } from "../errors";
import type { ResponseHead } from "../types";
import {
  checkCodings,
  facts,
  fieldList,
  isKeepAlive,
  readFields,
  type SectionLayout,
} from "./head-builder";
import type { Framing } from "./message-stream";
import { ascii, latin1 } from "./text";

/** The status line's parts: the reason as offsets into the section. */
export interface StatusLine {
  versionMinor: 0 | 1;
  status: number;
  reasonStart: number;
  reasonEnd: number;
}

/**
 * Builds and checks a response head answering a `method` request, and fills
 * in `framing` for the body that follows; `maxBodySize` rejects a
 * Content-Length too large for a body it frames.
 */
export function buildResponseHead(
  layout: SectionLayout,
  line: StatusLine,
  method: string,
  maxBodySize: number,
  framing: Framing,
): ResponseHead {
  const { bytes, base, text, textShift: t } = layout;
  const { status, versionMinor } = line;
  const http11 = versionMinor === 1;
  readFields(layout, false, http11);
  const { contentLength, codings, connection } = facts;
  // Section 6.3 asks for these checks of any response, framed by them or not.
  if (codings !== undefined) checkCodings(codings, http11, contentLength >= 0, "response");

  // Section 6.3, items 1 and 2: these have no body, whatever their fields say.
  const upgrade = status === 101 || (method === "CONNECT" && status >= 200 && status < 300);
  const bodiless = upgrade || method === "HEAD" || status < 200 || status === 204 || status === 304;
  let chunked = false;
  let untilClose = false;
  let length = 0;
  if (!bodiless) {
    // Item 4: chunked last frames the body; any other coding last, the connection's close.
    if (codings !== undefined) {
      if (codings.lastIsChunked) chunked = true;
      else untilClose = true;
    } else if (contentLength < 0)
      untilClose = true; // item 8
    else if (contentLength > maxBodySize) {
      throw new HttpParserError("HPE_BODY_TOO_LARGE", "Content-Length exceeds maxBodySize", 502);
    } else length = contentLength; // items 5 and 6
  }
  framing.upgrade = upgrade;
  framing.chunked = chunked;
  framing.untilClose = untilClose;
  framing.length = length;
  const reason =
    text !== undefined
      ? text.slice(line.reasonStart + t, line.reasonEnd + t)
      : (layout.asciiOnly ? ascii : latin1)(bytes, base + line.reasonStart, base + line.reasonEnd);
  return {
    versionMinor,
    status,
    reason,
    headers: fieldList(layout),
    contentLength: contentLength >= 0 ? contentLength : undefined,
    chunked,
    untilClose,
    keepAlive: !untilClose && isKeepAlive(http11, connection),
    upgrade,
  };
}
