// The upload page, after the original example application: a form with a
// comment and several files; the files are streamed (never held whole) to a
// folder of their own under UPLOAD_DIR and answered with a table of their
// names, types and sizes, each name a link that serves the file back
// (/files/..., request.sendFile: type, ETag, ranges).

import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { escapeHtml, page, sendPage } from "./html.mjs";

/** Where uploads are kept: one folder per upload (shared by every worker: a path, not a per-process temp dir). */
const UPLOAD_DIR = process.env.UPLOAD_DIR || join(tmpdir(), "moonbridge-example-uploads");
mkdirSync(UPLOAD_DIR, { recursive: true });

/**
 * A file name as the upload may keep it: its last path segment (a browser on
 * Windows may send "C:\\files\\a.txt"), no dot first (dot files are not served).
 * @param {string} name
 */
function safeName(name) {
  const base = basename(name.replaceAll("\\", "/")).replaceAll("\0", "_");
  return base === "" || base.startsWith(".") ? `_${base}` : base;
}

/**
 * /files/<upload>/<name>: an uploaded file, served back (404 when there is none).
 * @param {import("moonbridge").Request} request
 */
export async function uploadedFile(request) {
  let name;
  try {
    name = decodeURIComponent((request.path ?? "").slice("files/".length));
  } catch {
    name = ""; // a malformed escape: no such file
  }
  if (!(await request.sendFile(name, { root: UPLOAD_DIR, maxAge: 60 }))) {
    await sendPage(request, page("Not found", "<h1>No such upload</h1>"), 404);
  }
}

const FORM = `
<h1>Upload files</h1>
<p class="lead">Each file is streamed through <code>streamPostParam</code>; nothing is kept but its size.</p>
<form method="post" action="/upload" enctype="multipart/form-data">
  <label>Comment <textarea name="comment" placeholder="What are these files?"></textarea></label>
  <label>Files <input type="file" name="files" multiple></label>
  <button type="submit">Upload</button>
</form>
`;

/**
 * @param {import("moonbridge").Request} request
 */
export async function upload(request) {
  if (request.method !== "POST") {
    await sendPage(request, page("Upload", FORM));
    return;
  }
  const upload = randomUUID();
  mkdirSync(join(UPLOAD_DIR, upload));
  /** @type {Array<{ name: string, type: string, size: number, href: string }>} */
  const files = [];
  /** @type {{ name: string, type: string, size: number, href: string, file?: import("node:fs/promises").FileHandle } | undefined} */
  let current;
  request.streamPostParam("files", async (chunk, meta) => {
    if (meta !== undefined) {
      // A file field left empty arrives as a part with an empty file name: not a file.
      if (meta.fileName) {
        // Two files of the same name in one upload: the later one gets a number.
        let saved = safeName(meta.fileName);
        if (files.some((file) => file.href.endsWith(`/${encodeURIComponent(saved)}`)))
          saved = `${files.length + 1}-${saved}`;
        current = {
          name: meta.fileName,
          type: meta.contentType ?? "application/octet-stream",
          size: 0,
          href: `/files/${upload}/${encodeURIComponent(saved)}`,
          file: await open(join(UPLOAD_DIR, upload, saved), "wx"),
        };
        files.push(current);
      } else current = undefined;
    }
    if (current === undefined) return;
    if (chunk === undefined) {
      await current.file?.close();
      current = undefined;
    } else if (chunk.length > 0) {
      current.size += chunk.length;
      await current.file?.write(chunk); // awaited: the chunk is valid until this promise settles
    }
  });
  const params = await request.postParams;
  const rows = files
    .map(
      (file) =>
        `<tr><td><a href="${escapeHtml(file.href)}">${escapeHtml(file.name)}</a></td><td>${escapeHtml(file.type)}</td><td class="size">${file.size}</td></tr>`,
    )
    .join("\n");
  const total = files.reduce((sum, file) => sum + file.size, 0);
  await sendPage(
    request,
    page(
      "Uploaded",
      `<h1>Uploaded ${files.length} file${files.length === 1 ? "" : "s"}</h1>
<p class="lead">Comment: <span id="comment">${escapeHtml(params.comment ?? "")}</span></p>
<table id="files">
<thead><tr><th>Name</th><th>Type</th><th class="size">Size (bytes)</th></tr></thead>
<tbody>
${rows}
</tbody>
<tfoot><tr><th colspan="2">Total</th><th class="size">${total}</th></tr></tfoot>
</table>
<p><a href="/upload">Upload more</a></p>`,
    ),
  );
}
