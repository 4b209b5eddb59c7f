// request.sendFile(): a file as the response, with what a browser and a
// cache expect of it: its type from its extension (mime-types, which follows
// the IANA registry through mime-db), Last-Modified and a strong ETag,
// 304 for a conditional GET that is fresh, 206 for one byte Range (416 when
// none of the file is in it), HEAD answered without reading the file, paths
// that leave `root` refused, and the file streamed chunk by chunk, each
// awaited, so a slow client holds 64 KiB of it, not the whole file.

import { type FileHandle, open } from "node:fs/promises";
import { isAbsolute, resolve, sep } from "node:path";
import { HttpError } from "../errors";
import type { Request } from "../request";
import {
  byteRange,
  type FileValidators,
  fileEtag,
  ifRangeHolds,
  notModified,
} from "./file-conditions";

/** Options of {@link Request.sendFile}. */
export interface SendFileOptions {
  /**
   * The directory `path` is in: `path` is relative to it, and one that leads
   * out of it (`..`, an absolute path, a NUL byte) is not served. Without
   * it, `path` must be absolute. @default none
   */
  root?: string;
  /** The Content-Type. @default from the file's extension (charset=utf-8 for text), application/octet-stream when unknown */
  contentType?: string;
  /** Cache-Control: max-age in seconds (`public, max-age=N`). @default none: no Cache-Control */
  maxAge?: number;
  /** An ETag, and If-None-Match and If-Range compared with it. @default true */
  etag?: boolean;
  /** Last-Modified, and If-Modified-Since and If-Range compared with it. @default true */
  lastModified?: boolean;
  /** Range requests (Accept-Ranges: bytes). @default true */
  ranges?: boolean;
  /** A path with a segment that starts with a dot ("ignore": not served; "allow": served). @default "ignore" */
  dotfiles?: "ignore" | "allow";
}

const KNOWN = ["root", "contentType", "maxAge", "etag", "lastModified", "ranges", "dotfiles"];

/** Bytes read and sent at a time. */
const CHUNK = 64 * 1024;

function invalid(message: string): HttpError {
  return new HttpError("INVALID_ARGUMENT", `sendFile: ${message}`);
}

/** The options with their defaults. */
interface Settings {
  root: string | undefined;
  contentType: string | undefined;
  maxAge: number | undefined;
  etag: boolean;
  lastModified: boolean;
  ranges: boolean;
  dotfiles: "ignore" | "allow";
}

/** The options, checked; throws INVALID_ARGUMENT naming a bad one. */
function checked(options: SendFileOptions): Settings {
  if (typeof options !== "object" || options === null) throw invalid("options must be an object");
  for (const key of Object.keys(options))
    if (!KNOWN.includes(key))
      throw invalid(`unknown option ${JSON.stringify(key)}; known options: ${KNOWN.join(", ")}`);
  const { root, contentType, maxAge, etag = true, lastModified = true, ranges = true } = options;
  const dotfiles = options.dotfiles ?? "ignore";
  if (root !== undefined && (typeof root !== "string" || root === ""))
    throw invalid("root must be a directory path");
  // A value a header cannot carry is sendHeader's INVALID_HEADER.
  if (contentType !== undefined && typeof contentType !== "string")
    throw invalid("contentType must be a string");
  if (maxAge !== undefined && !(Number.isInteger(maxAge) && maxAge >= 0))
    throw invalid(`maxAge must be a whole number of seconds >= 0, got ${String(maxAge)}`);
  for (const [name, value] of Object.entries({ etag, lastModified, ranges }))
    if (typeof value !== "boolean") throw invalid(`${name} must be a boolean`);
  if (dotfiles !== "ignore" && dotfiles !== "allow")
    throw invalid(`dotfiles must be "ignore" or "allow", got ${JSON.stringify(dotfiles)}`);
  return { root, contentType, maxAge, etag, lastModified, ranges, dotfiles };
}

/** The file's full path, or undefined when `path` may not be served (outside root, a dot segment). */
function filePath(
  path: string,
  root: string | undefined,
  dotfiles: "ignore" | "allow",
): string | undefined {
  if (path.includes("\0")) return undefined;
  const segments = path.split(/[\\/]/);
  if (segments.includes("..")) return undefined;
  if (dotfiles === "ignore" && segments.some((segment) => segment.startsWith(".")))
    return undefined;
  if (root === undefined) return isAbsolute(path) ? resolve(path) : undefined;
  if (isAbsolute(path)) return undefined;
  const base = resolve(root);
  const full = resolve(base, path);
  return full === base || full.startsWith(base + sep) ? full : undefined;
}

/**
 * Sends the file at `path` as the whole response (see SendFileOptions):
 * true once it is sent (200, 206, 304 or 416), false when there is no
 * regular file there to send (missing, a directory, outside `root`, a dot
 * file): nothing was sent then, so the application answers (404, say).
 */
export async function sendFile(
  request: Request,
  path: string,
  options: SendFileOptions = {},
): Promise<boolean> {
  if (typeof path !== "string") throw invalid("the path must be a string");
  const settings = checked(options);
  const full = filePath(path, settings.root, settings.dotfiles);
  if (full === undefined) return false;
  let file: FileHandle;
  try {
    file = await open(full, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR" || code === "ENAMETOOLONG")
      return false;
    throw error;
  }
  try {
    // The opened file's own facts: a file replaced meanwhile is sent whole, as it is now.
    const stats = await file.stat();
    if (!stats.isFile()) return false;
    await respond(request, full, file, stats.size, stats.mtimeMs, settings);
    return true;
  } finally {
    await file.close();
  }
}

async function respond(
  request: Request,
  full: string,
  file: FileHandle,
  size: number,
  mtimeMs: number,
  settings: Settings,
): Promise<void> {
  const validators: FileValidators = {
    etag: settings.etag ? fileEtag(mtimeMs, size) : undefined,
    lastModified: settings.lastModified ? Math.floor(mtimeMs / 1000) : undefined,
  };
  const headers = request.headersValue;
  const header = (name: string): string | undefined => {
    const value = headers[name];
    return typeof value === "string" ? value : undefined;
  };
  const cacheable = request.method === "GET" || request.method === "HEAD";
  const validatorHeaders = (): void => {
    if (validators.etag !== undefined) request.sendHeader("ETag", validators.etag);
    if (validators.lastModified !== undefined)
      request.sendHeader("Last-Modified", new Date(validators.lastModified * 1000).toUTCString());
    if (settings.maxAge !== undefined)
      request.sendHeader("Cache-Control", `public, max-age=${settings.maxAge}`);
  };
  if (cacheable && notModified(header("if-none-match"), header("if-modified-since"), validators)) {
    request.sendStatus(304);
    validatorHeaders();
    await request.finish();
    return;
  }
  const range =
    settings.ranges && cacheable && ifRangeHolds(header("if-range"), validators)
      ? byteRange(header("range"), size)
      : undefined;
  if (range === "unsatisfiable") {
    request.sendStatus(416);
    request.sendHeader("Content-Range", `bytes */${size}`);
    request.sendHeader("Content-Length", 0);
    await request.finish();
    return;
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1;
  request.sendStatus(range === undefined ? 200 : 206);
  request.sendHeader("Content-Type", settings.contentType ?? (await typeOf(full)));
  request.sendHeader("Content-Length", end - start + 1);
  if (range !== undefined) request.sendHeader("Content-Range", `bytes ${start}-${end}/${size}`);
  if (settings.ranges) request.sendHeader("Accept-Ranges", "bytes");
  validatorHeaders();
  // HEAD: the head says it all; the file is not read.
  if (request.method !== "HEAD") {
    for (let at = start; at <= end; ) {
      const length = Math.min(CHUNK, end + 1 - at);
      // A fresh buffer each time: the response may hold the last one until it is sent.
      const { bytesRead, buffer } = await file.read(Buffer.alloc(length), 0, length, at);
      if (bytesRead === 0) break; // shrunk meanwhile: the Content-Length check reports it
      await request.sendData(bytesRead === length ? buffer : buffer.subarray(0, bytesRead));
      at += bytesRead;
    }
  }
  await request.finish();
}

/** mime-types, loaded at the first file sent: its database costs a process 30 ms to load. */
let mimeTypes: Promise<typeof import("mime-types")> | undefined;

/** The Content-Type for a file name, from the MIME database; octet-stream when it is not known. */
async function typeOf(name: string): Promise<string> {
  mimeTypes ??= import("mime-types").then(
    (loaded) => (loaded as { default?: typeof import("mime-types") }).default ?? loaded,
  );
  const { contentType, lookup } = await mimeTypes;
  const type = lookup(name);
  return (type === false ? undefined : contentType(type)) || "application/octet-stream";
}
