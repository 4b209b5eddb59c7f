// Debian's nginx for the test behind a reverse proxy: whether it is there (a
// test file skips without it, naming the install command, except under CI,
// where .ci/run installs it and its absence fails), and an nginx started in
// a temporary directory of its own (configuration, pid, logs, temp files),
// listening on a Unix socket there, never on a network address.

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { debianToolMissing } from "./debian-tool";

export const NGINX = "/usr/sbin/nginx";

/**
 * Why nginx cannot run here, or undefined when it can; `file` (the test
 * file's path) is named in the warning of a skip. Throws under CI.
 */
export function nginxMissing(file: string): string | undefined {
  return debianToolMissing(NGINX, "nginx", "the test behind a proxy needs", file);
}

export interface Nginx {
  /** The Unix socket nginx listens on. */
  socketPath: string;
  /** What nginx wrote to its error log so far. */
  errorLog(): string;
  /** Stops nginx (SIGQUIT: graceful) and removes its directory. */
  stop(): Promise<void>;
}

/**
 * Runs nginx with `site` (the `upstream` and `server` blocks of a site's
 * configuration) in the `http` block; the site's `listen` line is replaced
 * by a Unix socket in nginx's own temporary directory.
 */
export async function startNginx(site: string): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), "moonbridge-nginx-"));
  const socketPath = join(dir, "nginx.sock");
  const listen = /^(\s*)listen\s+[^;]+;/m;
  if (!listen.test(site)) throw new Error("the site has no listen line");
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
    .map((kind) => `  ${kind}_temp_path ${join(dir, kind)};`)
    .join("\n");
  const config = `${process.getuid?.() === 0 ? "user root;\n" : ""}worker_processes 1;
pid ${join(dir, "nginx.pid")};
events { worker_connections 1024; }
http {
  access_log off;
${temp}
${site.replace(listen, `$1listen unix:${socketPath};`)}
}
`;
  const configPath = join(dir, "nginx.conf");
  writeFileSync(configPath, config);
  const errorPath = join(dir, "error.log");
  const child: ChildProcess = spawn(
    NGINX,
    ["-p", dir, "-c", configPath, "-e", errorPath, "-g", "daemon off;"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const errorLog = () => (existsSync(errorPath) ? readFileSync(errorPath, "utf8") : "") + stderr;
  const deadline = Date.now() + 10_000;
  while (!(await accepts(socketPath))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`nginx did not start:\n${errorLog()}\n${config}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    socketPath,
    errorLog,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGQUIT");
        const late = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(late);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Whether a Unix socket accepts a connection. */
function accepts(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    if (!existsSync(path)) return resolve(false);
    const socket = connect(path);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
