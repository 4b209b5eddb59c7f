// The request inspector at /anything: answers any method with the request as
// JSON, exactly as docs/inspector.md (at the repository root) defines it.
// Every part of a multipart body is streamed and hashed, never held whole.

import { createHash } from "node:crypto";

/** @typedef {{ field: string, file_name: string | null, content_type: string | null, length: number, sha256: string }} PartSummary */

/**
 * @param {import("moonbridge").Request} request
 */
export async function inspect(request) {
  const type = String(request.headersValue["content-type"] || "")
    .split(";")[0]
    ?.trim()
    .toLowerCase();
  /** @type {Readonly<Record<string, string[] | undefined>>} */
  let form = {};
  /** @type {PartSummary[]} */
  const parts = [];
  /** @type {{ length: number, sha256: string } | null} */
  let body = null;

  if (type === "multipart/form-data") {
    /** @type {{ summary: PartSummary, hash: import("node:crypto").Hash, text: Buffer[] | null } | undefined} */
    let current;
    /** @type {Record<string, string[]>} */
    const fields = Object.create(null);
    request.streamPostParams(/.*/s, (chunk, meta) => {
      if (meta !== undefined) {
        current = {
          summary: {
            field: meta.fieldName,
            file_name: meta.fileName ?? null,
            content_type: meta.contentType ?? null,
            length: 0,
            sha256: "",
          },
          hash: createHash("sha256"),
          text: meta.fileName === undefined ? [] : null,
        };
      }
      if (current === undefined) return;
      if (chunk === undefined) {
        current.summary.sha256 = current.hash.digest("hex");
        parts.push(current.summary);
        if (current.text !== null) {
          const list = fields[current.summary.field] ?? [];
          list.push(Buffer.concat(current.text).toString("utf8"));
          fields[current.summary.field] = list;
        }
        current = undefined;
        return;
      }
      current.summary.length += chunk.length;
      current.hash.update(chunk);
      current.text?.push(Buffer.from(chunk)); // copied: a chunk is only valid during the call
    });
    await request.processRequestBody();
    form = fields;
  } else if (type === "application/x-www-form-urlencoded") {
    form = await request.postParamsList;
  } else if (hasBody(request)) {
    const hash = createHash("sha256");
    let length = 0;
    await request.streamRequestBody((chunk) => {
      length += chunk.length;
      hash.update(chunk);
    });
    body = { length, sha256: hash.digest("hex") };
  }

  /** @type {Array<[string, string]>} */
  const headers = [];
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2)
    headers.push([/** @type {string} */ (raw[i]), /** @type {string} */ (raw[i + 1])]);

  const answer = {
    method: request.method,
    path: request.path ?? null,
    query: request.query ?? null,
    get_params_list: { ...request.getParamsList },
    headers,
    cookies: Object.fromEntries(Object.entries(request.cookies)),
    form: { ...form },
    parts,
    body,
  };
  request.sendStatus(200);
  request.sendHeader("Content-Type", "application/json");
  request.sendData(JSON.stringify(answer, null, 2), "\n");
  await request.finish();
}

/**
 * Whether the request has a body at all (a Content-Length, even 0, or chunked).
 * @param {import("moonbridge").Request} request
 */
function hasBody(request) {
  return (
    request.headersValue["content-length"] !== undefined ||
    request.headersValue["transfer-encoding"] !== undefined
  );
}
