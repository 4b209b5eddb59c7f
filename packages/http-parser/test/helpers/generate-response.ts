// fast-check arbitraries for HTTP/1.1 responses as bytes, built from
// generate.ts's fields, bodies and mutations: exchanges of an optional
// interim 1xx and a final response, each answering a request method that
// the parser is told with responseTo, pipelined 1-4 deep.

import fc from "fast-check";
import {
  type Body,
  body,
  bodyText,
  bytesOf,
  chars,
  connection,
  type Field,
  field,
  fieldLine,
  type Generated,
  latin1,
  mutate,
  mutation,
  ows,
  randomBytes,
  VCHAR,
} from "./generate";

/** Generated responses and the methods of the requests they answer, in order. */
export interface GeneratedResponses extends Generated {
  methods: string[];
}

interface ResponseModel {
  method: string;
  interim: number | null;
  status: number;
  reason: string;
  minor: 0 | 1;
  fields: Field[];
  body: Body;
}

const status = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(200, 200, 201, 204, 206, 301, 304, 404, 500, 503) },
  { weight: 1, arbitrary: fc.constantFrom(101, 102, 199, 999) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 999 }) },
);

/** A reason phrase: VCHAR and SP, now and then HTAB or obs-text. */
const reason = fc.oneof(
  { weight: 8, arbitrary: chars(`${VCHAR}   `, 0, 16) },
  {
    weight: 1,
    arbitrary: randomBytes(0, 8).map((b) => latin1(b.map((x) => (x < 0x80 ? 0x80 | x : x)))),
  },
  { weight: 1, arbitrary: fc.constantFrom("", "Not\tFound") },
);

const responseModel: fc.Arbitrary<ResponseModel> = fc
  .record({
    method: fc.constantFrom("GET", "GET", "GET", "POST", "HEAD", "CONNECT"),
    interim: fc.option(fc.constantFrom(100, 102, 103), { freq: 6 }),
    status,
    reason,
    minor: fc.constantFrom<0 | 1>(1, 1, 1, 1, 0),
    fields: fc.array(field, { maxLength: 12 }),
    connection,
    at: fc.nat(),
    body,
  })
  .map((r): ResponseModel => {
    const fields = [...r.fields];
    const extra: Field[] = [];
    if (r.connection !== null) extra.push({ name: "Connection", value: r.connection });
    if (r.body.kind === "length") extra.push({ name: "Content-Length", value: r.body.lengthText });
    if (r.body.kind === "chunked") extra.push({ name: "Transfer-Encoding", value: r.body.coding });
    for (const f of extra) fields.splice(r.at % (fields.length + 1), 0, f);
    return { ...r, fields };
  });

/** Whether the response has a body at all (RFC 9112 section 6.3, items 1 and 2). */
function bodiless(m: ResponseModel): boolean {
  const connect2xx = m.method === "CONNECT" && m.status >= 200 && m.status < 300;
  return (
    m.method === "HEAD" || m.status < 200 || m.status === 204 || m.status === 304 || connect2xx
  );
}

function render(m: ResponseModel, before: string): string {
  let s = "";
  if (m.interim !== null) s += `HTTP/1.1 ${m.interim} Interim\r\n\r\n`;
  s += `HTTP/1.${m.minor} ${m.status} ${m.reason}\r\n`;
  for (const f of m.fields) s += fieldLine(f, before, "");
  s += "\r\n";
  return bodiless(m) ? s : s + bodyText(m.body);
}

function describe(m: ResponseModel): string {
  const interim = m.interim === null ? "" : `${m.interim} then `;
  return `${m.method}: ${interim}${m.status} HTTP/1.${m.minor}, ${m.fields.length} fields, ${m.body.kind}`;
}

/** Pipelines of 1-4 valid-ish exchanges. */
export const validResponses: fc.Arbitrary<GeneratedResponses> = fc
  .tuple(fc.array(responseModel, { minLength: 1, maxLength: 4 }), ows)
  .map(([models, before]) => ({
    bytes: bytesOf(models.map((m) => render(m, before)).join("")),
    description: `${models.length} response(s): ${models.map(describe).join(" | ")}`,
    methods: models.map((m) => m.method),
  }));

/** Valid-ish responses with 1-4 hostile mutations. */
export const hostileResponses: fc.Arbitrary<GeneratedResponses> = fc
  .tuple(validResponses, fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([input, mutations]) => ({ ...mutate(input, mutations), methods: input.methods }));

/** Mostly mutated, some untouched. */
export const anyResponses: fc.Arbitrary<GeneratedResponses> = fc.oneof(
  { weight: 1, arbitrary: validResponses },
  { weight: 3, arbitrary: hostileResponses },
);
