// Serves the browser page (`npm run web`): dist/web/ (built by `node scripts/build.mjs --web`), the
// bundled models under /models/, texts under /texts/ and tokenizers under /tokenizers/ (from
// testdata/), with HTTP Range
// requests (the page reads a model one layer at a time) and the headers that make the page
// cross-origin isolated (COOP/COEP), so SharedArrayBuffer and the CPU worker threads are there.
//
//   node scripts/serve_web.mjs [--port 8080] [--host 127.0.0.1]
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(import.meta.dirname, "..");
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
};

/** The file a URL path names, or null: /models/*, /texts/* and /tokenizers/* from testdata/, the rest from dist/web/. */
function fileFor(pathname) {
  const path = normalize(decodeURIComponent(pathname)).replace(/^[/\\]+/, "");
  if (path.split(sep).includes("..")) return null;
  const [base, rest] = ["models", "texts", "tokenizers"].some((d) => path.startsWith(d + sep))
    ? [join(ROOT, "testdata"), path]
    : [join(ROOT, "dist", "web"), path === "" ? "index.html" : path];
  const file = join(base, rest);
  return file.startsWith(base) && existsSync(file) && statSync(file).isFile() ? file : null;
}

/**
 * Starts the server; resolves to its address (`http://127.0.0.1:PORT/`) and a close function.
 * `isolated: false` leaves out the COOP/COEP headers (the browser check's single-thread page).
 */
export function startServer({ port = 8080, host = "127.0.0.1", isolated = true } = {}) {
  const server = createServer((req, res) => {
    const headers = {
      ...(isolated
        ? {
          "Cross-Origin-Opener-Policy": "same-origin",
          "Cross-Origin-Embedder-Policy": "require-corp",
          "Cross-Origin-Resource-Policy": "same-origin",
        }
        : {}),
      "Accept-Ranges": "bytes",
      "Cache-Control": "no-store",
    };
    const file = fileFor(new URL(req.url ?? "/", "http://x").pathname);
    if (!file || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(file ? 405 : 404, { ...headers, "Content-Type": "text/plain" }).end(
        file ? "GET only" : "not found",
      );
      return;
    }
    const size = statSync(file).size;
    const type = TYPES[extname(file)] ?? "application/octet-stream";
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    if (m) {
      const start = Number(m[1]), end = Math.min(m[2] ? Number(m[2]) : size - 1, size - 1);
      if (start > end) {
        res.writeHead(416, { ...headers, "Content-Range": `bytes */${size}` }).end();
        return;
      }
      res.writeHead(206, {
        ...headers,
        "Content-Type": type,
        "Content-Length": end - start + 1,
        "Content-Range": `bytes ${start}-${end}/${size}`,
      });
      if (req.method === "HEAD") res.end();
      else createReadStream(file, { start, end }).pipe(res);
      return;
    }
    res.writeHead(200, { ...headers, "Content-Type": type, "Content-Length": size });
    if (req.method === "HEAD") res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => {
      const { port: bound } = server.address();
      ok({ url: `http://${host}:${bound}/`, close: () => new Promise((done) => server.close(done)) });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  if (!existsSync(join(ROOT, "dist", "web", "app.js"))) {
    console.error("dist/web/app.js is missing: run `node scripts/build.mjs --web` first (npm run web does)");
    process.exit(1);
  }
  const { url } = await startServer({ port: Number(arg("--port", "8080")), host: arg("--host", "127.0.0.1") });
  console.log(`shortgpt page: ${url}  (cross-origin isolated; Ctrl-C stops)`);
}
