// The upload page, after the original example application: a form with a
// comment and several files; the files are streamed (never held whole) and
// answered with a table of their names, types and sizes.

import { escapeHtml, page, sendPage } from "./html.mjs";

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
  /** @type {Array<{ name: string, type: string, size: number }>} */
  const files = [];
  /** @type {{ name: string, type: string, size: number } | undefined} */
  let current;
  request.streamPostParam("files", (chunk, meta) => {
    if (meta !== undefined) {
      // A file field left empty arrives as a part with an empty file name: not a file.
      current = meta.fileName
        ? { name: meta.fileName, type: meta.contentType ?? "application/octet-stream", size: 0 }
        : undefined;
      if (current !== undefined) files.push(current);
    }
    if (chunk === undefined) current = undefined;
    else if (current !== undefined) current.size += chunk.length;
  });
  const params = await request.postParams;
  const rows = files
    .map(
      (file) =>
        `<tr><td>${escapeHtml(file.name)}</td><td>${escapeHtml(file.type)}</td><td class="size">${file.size}</td></tr>`,
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
