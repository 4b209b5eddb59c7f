// File names reduced to their base name (README, "File names"): what follows
// the last `/` or `\`, a backslash in `filename` being a path separator
// unless it escapes `"` or `\`. Each case runs whole and at every split, and
// the Windows paths are checked against busboy, whose rule this is.
import { describe, expect, it } from "vitest";
import { type BusboyResult, parseWithBusboy } from "./helpers/busboy";
import { utf8 } from "./helpers/bytes";
import { err, ok, runCases } from "./helpers/cases";
import { body, part } from "./helpers/collect";

const B = "----b0undary";
const file = (disposition: string, data = "x") =>
  body(B, [part([`Content-Disposition: form-data; name="f"; ${disposition}`], data)]);

describe("file names: the base name of a path", () => {
  runCases([
    {
      what: "the issue's Windows path, backslashes unescaped (old Internet Explorer)",
      input: file('filename="C:\\files\\1k_b.dat"'),
      boundary: B,
      expected: ok({ fieldName: "f", fileName: "1k_b.dat", data: "x" }),
    },
    {
      what: "C:\\x\\a.png: \\x and \\a are separators, not quoted-pairs",
      input: file('filename="C:\\x\\a.png"'),
      boundary: B,
      expected: ok({ fileName: "a.png" }),
    },
    {
      what: "a Windows path with its backslashes escaped (RFC 9110 quoted-pairs)",
      input: file('filename="C:\\\\x\\\\a.png"'),
      boundary: B,
      expected: ok({ fileName: "a.png" }),
    },
    {
      what: "a UNC path",
      input: file('filename="\\\\server\\share\\report.pdf"'),
      boundary: B,
      expected: ok({ fileName: "report.pdf" }),
    },
    {
      what: "/etc/passwd",
      input: file('filename="/etc/passwd"'),
      boundary: B,
      expected: ok({ fileName: "passwd" }),
    },
    {
      what: "..\\..\\a",
      input: file('filename="..\\..\\a"'),
      boundary: B,
      expected: ok({ fileName: "a" }),
    },
    {
      what: "../../etc/passwd",
      input: file('filename="../../etc/passwd"'),
      boundary: B,
      expected: ok({ fileName: "passwd" }),
    },
    {
      what: "a name ending in / is a file named empty",
      input: file('filename="dir/"'),
      boundary: B,
      expected: ok({ fileName: "" }),
    },
    {
      what: 'a name ending in an escaped backslash ("C:\\dir\\\\") is a file named empty',
      input: file('filename="C:\\dir\\\\"'),
      boundary: B,
      expected: ok({ fileName: "" }),
    },
    {
      what: '. and .. name no file: ""',
      input: body(B, [
        part(['Content-Disposition: form-data; name="a"; filename="."'], "1"),
        part(['Content-Disposition: form-data; name="b"; filename="x/.."'], "2"),
      ]),
      boundary: B,
      expected: ok({ fileName: "" }, { fileName: "" }),
    },
    {
      what: '\\" is an escaped quote, not a separator',
      input: file('filename="a\\"b.txt"'),
      boundary: B,
      expected: ok({ fileName: 'a"b.txt' }),
    },
    {
      what: 'a path ending in \\" leaves the quoted string open: rejected',
      input: file('filename="C:\\dir\\"'),
      boundary: B,
      expected: err("MULTIPART_INVALID_PART_HEADER", 400),
    },
    {
      what: "a drive-relative name keeps its drive (only / and \\ separate)",
      input: file('filename="C:a.txt"'),
      boundary: B,
      expected: ok({ fileName: "C:a.txt" }),
    },
    {
      what: "filename* (RFC 8187): the decoded path's base name",
      input: file("filename*=UTF-8''..%2F..%2Fetc%2Fpasswd"),
      boundary: B,
      expected: ok({ fileName: "passwd" }),
    },
    {
      what: "filename* with encoded backslashes",
      input: file("filename*=UTF-8''C%3A%5Cx%5C%E2%82%AC.png"),
      boundary: B,
      expected: ok({ fileName: "\u20ac.png" }),
    },
    {
      what: "filename* wins over filename, then loses its path",
      input: file("filename=\"C:\\x\\ascii.txt\"; filename*=UTF-8''%2Fhome%2Fu%2F%C3%A9.txt"),
      boundary: B,
      expected: ok({ fileName: "\u00e9.txt" }),
    },
    {
      what: "the field name keeps its slashes and quoted-pairs as RFC 9110 reads them",
      input: body(B, [part(['Content-Disposition: form-data; name="a/b\\\\c\\d"'], "1")]),
      boundary: B,
      expected: ok({ fieldName: "a/b\\cd", fileName: undefined }),
    },
    {
      what: "a file named empty by its path is still a file: maxFileSize applies",
      input: file('filename="dir/"', "abc"),
      boundary: B,
      limits: { maxFileSize: 2 },
      expected: err("MULTIPART_FILE_TOO_LARGE", 413, { fileName: "", data: "ab", ended: false }),
    },
    {
      what: "in any multipart subtype too ({ formData: false })",
      input: body(B, [part(['Content-Disposition: attachment; filename="C:\\x\\a.png"'], "x")]),
      boundary: B,
      multipart: { formData: false },
      expected: ok({ fieldName: undefined, fileName: "a.png" }),
    },
  ]);
});

describe("file names: as busboy reads them", () => {
  async function busboyFileName(disposition: string): Promise<string | undefined> {
    const result: BusboyResult = await parseWithBusboy([utf8(file(disposition))], B);
    expect(result.error).toBeUndefined();
    return result.parts[0]?.fileName;
  }

  it.each([
    ['filename="C:\\files\\1k_b.dat"', "1k_b.dat"],
    ['filename="C:\\x\\a.png"', "a.png"],
    ['filename="C:\\\\x\\\\a.png"', "a.png"],
    ['filename="\\\\server\\share\\report.pdf"', "report.pdf"],
    ['filename="/etc/passwd"', "passwd"],
    ['filename="..\\..\\a"', "a"],
    ['filename="dir/"', ""],
    ['filename="x/.."', ""],
    ['filename="a\\"b.txt"', 'a"b.txt'],
    ["filename*=UTF-8''..%2F..%2Fetc%2Fpasswd", "passwd"],
  ])("%s is %j for busboy as for us", async (disposition, expected) => {
    expect(await busboyFileName(disposition)).toBe(expected);
  });
});
