// The value scanner reads long values four bytes at a time; these cases
// put every kind of byte at every position and alignment of a long value, so
// a word-wise shortcut that misses a byte fails here.
import { describe, expect, it } from "vitest";
import { bytesOf, parse } from "./helpers/collect";

const prefix = "GET / HTTP/1.1\r\nHost: a\r\nX: ";
const value = "v".repeat(70);

function request(inserted: string, at: number, pad: number): Uint8Array {
  const v = value.slice(0, at) + inserted + value.slice(at);
  const bytes = bytesOf(`${prefix}${v}\r\n\r\n`);
  // Shift the request inside a larger buffer so the value starts at every alignment.
  const buffer = new Uint8Array(bytes.length + pad);
  buffer.set(bytes, pad);
  return buffer.subarray(pad);
}

describe("long field values at every alignment", () => {
  it.each([0x00, 0x01, 0x08, 0x0b, 0x1f, 0x7f])("rejects byte 0x%s anywhere", (byte) => {
    for (let pad = 0; pad < 4; pad++) {
      for (let at = 1; at < value.length; at++) {
        const result = parse(request(String.fromCharCode(byte), at, pad));
        expect(result.error?.code, `pad ${pad}, at ${at}`).toBe("HPE_INVALID_HEADER_TOKEN");
      }
    }
  });

  it("gives every byte value the verdict of the field-value grammar, anywhere", () => {
    // field-vchar, SP, HTAB and obs-text are kept; CR and LF end the line
    // wrong; every other control byte is refused.
    const kept = (c: number) => c === 0x09 || (c >= 0x20 && c !== 0x7f);
    for (let byte = 0; byte < 256; byte++) {
      for (let pad = 0; pad < 4; pad++) {
        for (let at = 1; at < value.length; at++) {
          const result = parse(request(String.fromCharCode(byte), at, pad));
          const where = `byte ${byte}, pad ${pad}, at ${at}`;
          if (kept(byte)) {
            const head = result.events[0];
            expect(head?.type === "head" && head.head.headers[3], where).toBe(
              value.slice(0, at) + String.fromCharCode(byte) + value.slice(at),
            );
          } else expect(result.error, where).toBeDefined();
        }
      }
    }
  });

  it("rejects a bare LF and a bare CR anywhere", () => {
    for (let pad = 0; pad < 4; pad++) {
      for (let at = 1; at < value.length; at++) {
        expect(parse(request("\n", at, pad)).error?.code).toBe("HPE_CR_EXPECTED");
        expect(parse(request("\rx", at, pad)).error?.code).toBe("HPE_LF_EXPECTED");
      }
    }
  });

  it("keeps obs-text and HTAB anywhere, as latin1", () => {
    for (let pad = 0; pad < 4; pad++) {
      for (let at = 1; at < value.length; at++) {
        for (const inserted of ["\u00ff", "\u0080", "\t", "\u00e9\t\u00e9"]) {
          const result = parse(request(inserted, at, pad));
          expect(result.error).toBeUndefined();
          const head = result.events[0];
          expect(head?.type === "head" && head.head.headers[3]).toBe(
            value.slice(0, at) + inserted + value.slice(at),
          );
        }
      }
    }
  });

  it("trims trailing whitespace of a long value split anywhere", () => {
    const input = `${prefix}${value} \t \r\n\r\n`;
    for (let cut = prefix.length; cut < input.length - 2; cut++) {
      const result = parse(input, { cuts: [cut] });
      const head = result.events[0];
      expect(head?.type === "head" && head.head.headers[3]).toBe(value);
    }
  });
});

describe("long field names at every alignment", () => {
  // Every byte value at every position and alignment of a long name must get
  // the verdict the tchar table gives it (a guard for any word-wise shortcut).
  const tchar = (c: number) => /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/.test(String.fromCharCode(c));
  it("accepts exactly the tchar bytes anywhere in a name", () => {
    const name = "Abcdefgh-ijklmnop-QRSTUVWX";
    for (let byte = 0; byte < 256; byte++) {
      if (byte === 0x3a) continue; // a colon just ends the name earlier
      for (let pad = 0; pad < 4; pad++) {
        for (let at = 1; at < name.length; at += 1) {
          const n = name.slice(0, at) + String.fromCharCode(byte) + name.slice(at);
          const bytes = bytesOf(`GET / HTTP/1.1\r\nHost: a\r\n${n}: v\r\n\r\n`);
          const buffer = new Uint8Array(bytes.length + pad);
          buffer.set(bytes, pad);
          const result = parse(buffer.subarray(pad));
          if (tchar(byte)) expect(result.error, `byte ${byte} at ${at}`).toBeUndefined();
          else expect(result.error, `byte ${byte} at ${at}`).toBeDefined();
        }
      }
    }
  });
});
