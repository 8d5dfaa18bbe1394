// The browser page in a real browser (docs/browser.md): Debian's Chromium, headless, driven over
// the DevTools protocol (a WebSocket; no driver library, no downloaded browser). Checks that
// - on the CPU path the page's logits and Block Influence for the bundled model equal Node's bit
//   for bit, and so does its pruned-perplexity curve; on the page's analysis worker (the CPU
//   backend's worker threads, cross-origin isolated pages) and on a page that is not isolated
//   (one thread) the bits are the same;
// - the page reads non-byte tokenizers as Node does (stories260K's tok512.bin by URL: the same
//   logits and BI; tokenizer.model and tokenizer.json in a folder of Files: the same ids);
// - the form runs end to end, and its "Download pruned model" files reload in Node with the
//   logits of the model with those layers removed;
// - Chromium's WebGPU compiler (Tint) accepts every shader in kernels/wgsl/, and the WebGPU path
//   gives logits and BI within the Deno WebGPU tests' tolerance (where Chromium has an adapter).
// Skips visibly, saying why, where no Chromium is installed. Each check prints `ok`, `FAILED`
// or `skipped (why)`; the last line is `browser: N passed, M failed, K skipped`.
//
//   node scripts/browser_check.mjs [--screenshot docs/web_page.png] [--webgpu-precision]
// --webgpu-precision also prints where Chromium's WebGPU adapter departs from the CPU (WGSL
// built-ins, each kernel's own error, the error per layer: web/precision.ts, docs/browser.md).
// Chromium: $CHROMIUM, else chromium / chromium-browser / google-chrome on PATH.
import { spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

// Node 20 has WebSocket only behind a flag: run again with it.
if (typeof WebSocket !== "function") {
  const r = spawnSync(process.execPath, ["--experimental-websocket", ...process.argv.slice(1)], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}

const ROOT = resolve(import.meta.dirname, "..");
const MODEL = join(ROOT, "testdata", "models", "bytellama-12L");
const WINDOW = 256, MAX_WINDOWS = 4, PRUNE_K = 2;
/** The Deno WebGPU tests' tolerances (src/backend/webgpu_golden_test.ts, webgpu_importance_test.ts). */
const LOGITS_TOL = { atol: 1e-4, rtol: 1e-3 }, BI_TOL = { atol: 1e-6, rtol: 2e-3 };
const TIMEOUT_MS = 240_000;

const counts = { passed: 0, failed: 0, skipped: 0 };
async function check(name, fn) {
  try {
    const skip = await fn();
    if (typeof skip === "string") {
      counts.skipped++;
      console.log(`skipped - ${name} (${skip})`);
    } else {
      counts.passed++;
      console.log(`ok - ${name}`);
    }
  } catch (e) {
    counts.failed++;
    console.log(`FAILED - ${name}\n${e instanceof Error ? e.stack ?? e.message : e}`);
  }
}

function findChromium() {
  if (process.env.CHROMIUM) return existsSync(process.env.CHROMIUM) ? process.env.CHROMIUM : null;
  for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
    for (const dir of (process.env.PATH ?? "").split(delimiter)) {
      if (dir && existsSync(join(dir, name))) return join(dir, name);
    }
  }
  return null;
}

/** A headless Chromium and one page in it, driven over the DevTools protocol. */
async function launch(chromium, extraFlags) {
  const profile = mkdtempSync(join(tmpdir(), "shortgpt-chromium-"));
  const proc = spawn(chromium, [
    "--headless",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    `--user-data-dir=${profile}`,
    "--remote-debugging-port=0",
    ...extraFlags,
    "about:blank",
  ], { stdio: ["ignore", "ignore", "pipe"] });
  const wsUrl = await new Promise((ok, fail) => {
    let err = "";
    const timer = setTimeout(() => fail(new Error(`Chromium did not start in 30 s:\n${err.slice(-2000)}`)), 30_000);
    proc.stderr.on("data", (d) => {
      err += d;
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    proc.once("exit", (code) => fail(new Error(`Chromium exited (${code}) before listening:\n${err.slice(-2000)}`)));
  });
  proc.stderr.resume();
  const ws = new WebSocket(wsUrl);
  await new Promise((ok, fail) => {
    ws.onopen = ok;
    ws.onerror = () => fail(new Error(`cannot connect to ${wsUrl}`));
  });
  let nextId = 1;
  const pending = new Map();
  const listeners = [];
  ws.onmessage = (e) => {
    const msg = JSON.parse(e.data);
    if (msg.id && pending.has(msg.id)) {
      const { ok, fail, method } = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) fail(new Error(`${method}: ${msg.error.message}`));
      else ok(msg.result);
    } else if (msg.method) { for (const l of listeners) l(msg); }
  };
  const send = (method, params = {}, sessionId) =>
    new Promise((ok, fail) => {
      const id = nextId++;
      pending.set(id, { ok, fail, method });
      ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  const { targetId } = await send("Target.createTarget", { url: "about:blank" });
  const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
  const page = (method, params) => send(method, params, sessionId);
  const consoleLines = [];
  listeners.push((m) => {
    if (m.sessionId !== sessionId) return;
    if (m.method === "Runtime.consoleAPICalled") {
      consoleLines.push(m.params.args.map((a) => a.value ?? a.description).join(" "));
    }
    if (m.method === "Runtime.exceptionThrown") {
      consoleLines.push(m.params.exceptionDetails.exception?.description ?? "exception");
    }
  });
  await page("Runtime.enable");
  await page("Page.enable");
  /** Evaluates `expression` in the page, awaiting a promise; its JSON value, or throws with the page's error. */
  const evaluate = async (expression) => {
    const r = await page("Runtime.evaluate", {
      expression,
      awaitPromise: true,
      returnByValue: true,
      timeout: TIMEOUT_MS,
    });
    if (r.exceptionDetails) {
      throw new Error(`in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    }
    return r.result.value;
  };
  const goto = async (url) => {
    await page("Page.navigate", { url });
    for (let t = 0; t < 300; t++) {
      if (await evaluate(`document.readyState === "complete" && typeof globalThis.shortgpt === "object"`)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the page at ${url} did not load; console:\n${consoleLines.join("\n")}`);
  };
  const close = async () => {
    const exited = new Promise((r) => (proc.exitCode !== null ? r() : proc.once("exit", r)));
    await send("Browser.close").catch(() => proc.kill());
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (proc.exitCode === null) proc.kill("SIGKILL");
    ws.close();
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  };
  return { send, page, evaluate, goto, close, consoleLines };
}

const hex = (f32) => Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength).toString("hex");
const fromHex = (h) => new Float32Array(new Uint8Array(Buffer.from(h, "hex")).buffer);

/** The first index where |a − b| > atol + rtol·|b|, with the values, or null. */
function firstOff(a, b, { atol, rtol }) {
  if (a.length !== b.length) return `lengths ${a.length} and ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i] - b[i]) <= atol + rtol * Math.abs(b[i]))) return `index ${i}: page ${a[i]}, Node ${b[i]}`;
  }
  return null;
}

// What the page returns from one analysis (run through globalThis.shortgpt, as the form does): on
// the page's main thread (one CPU thread), or with where = "worker" on its analysis worker (the
// CPU backend's worker threads; cross-origin isolated pages only).
const analyzeIn = (backend, curve = true, model = "bytellama-12L", where = "here") =>
  `(async () => {
  const text = await (await fetch("texts/tinystories_heldout.txt")).text();
  const mid = text.lastIndexOf("\\n", text.length / 2);
  const s = globalThis.shortgpt;
  const opts = { backend: ${JSON.stringify(backend)}, calibration: text.slice(0, mid), measurement: text.slice(mid + 1),
    window: ${WINDOW}, maxWindows: ${MAX_WINDOWS}, curve: ${curve} };
  const { summary: a, threads } = await s.analyzeSpec({ url: "models/${model}/" }, opts, undefined, ${
    JSON.stringify(where)
  });
  const bytes = new Uint8Array(a.logits.buffer, a.logits.byteOffset, a.logits.byteLength);
  return { logits: Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(""), scores: a.bi.scores,
    order: a.bi.order, ppl: a.ppl, backend: a.backendName, isolated: crossOriginIsolated, threads };
})()`;

/** Node's numbers for the same model, texts and windows (the npm bundle dist/mod.js). */
async function nodeReference(lib, dir = MODEL) {
  const text = readFileSync(join(ROOT, "testdata", "texts", "tinystories_heldout.txt"), "utf8");
  const mid = text.lastIndexOf("\n", text.length / 2);
  const model = lib.loadModel(dir);
  const tok = lib.loadTokenizer(dir, lib.readRawConfig(dir));
  const calib = lib.makeWindows([tok.encode(text.slice(0, mid))], WINDOW, MAX_WINDOWS);
  const measure = lib.makeWindows([tok.encode(text.slice(mid + 1))], WINDOW, MAX_WINDOWS);
  const { logits } = await lib.forward(model, calib[0]);
  const bi = await lib.computeImportance(model, calib, lib.parseMetric("bi"));
  const ppl = [];
  for (let k = 0; k < model.blocks.length; k++) {
    ppl.push((await lib.perplexity(lib.withoutLayers(model, bi.order.slice(0, k)), measure)).ppl);
  }
  const { logits: prunedLogits } = await lib.forward(lib.withoutLayers(model, bi.order.slice(0, PRUNE_K)), calib[0]);
  return { logits, scores: bi.scores, order: bi.order, ppl, prunedLogits, calib0: calib[0] };
}

const chromium = findChromium();
const work = mkdtempSync(join(tmpdir(), "shortgpt-browser-"));
const screenshot = process.argv.includes("--screenshot")
  ? process.argv[process.argv.indexOf("--screenshot") + 1]
  : null;
let server = null;
try {
  if (!chromium) {
    for (const name of ["CPU path", "CPU threads", "tokenizers", "form and download", "WebGPU path"]) {
      await check(
        `browser: ${name}`,
        () => "no Chromium installed: `apt-get install chromium` (Debian), or set CHROMIUM",
      );
    }
  } else {
    const build = spawnSync(process.execPath, [join(ROOT, "scripts", "build.mjs"), "--web"], {
      cwd: ROOT,
      stdio: "inherit",
    });
    if (build.status !== 0) throw new Error("node scripts/build.mjs --web failed");
    const lib = await import(pathToFileURL(join(ROOT, "dist", "mod.js")).href);
    const ref = await nodeReference(lib);
    const { startServer } = await import(pathToFileURL(join(ROOT, "scripts", "serve_web.mjs")).href);
    server = await startServer({ port: 0 });

    // CPU: no GPU process at all.
    const cpuBrowser = await launch(chromium, ["--disable-gpu"]);
    try {
      await cpuBrowser.goto(server.url);
      await check("CPU path: the page's logits, BI and pruned perplexities equal Node's bit for bit", async () => {
        const got = await cpuBrowser.evaluate(analyzeIn("cpu"));
        if (!got.isolated) throw new Error("the page is not cross-origin isolated (COOP/COEP headers)");
        if (got.logits !== hex(ref.logits)) {
          throw new Error(`logits differ: ${firstOff(fromHex(got.logits), ref.logits, { atol: 0, rtol: 0 })}`);
        }
        const exact = (what, a, b) => {
          if (JSON.stringify(a) !== JSON.stringify(b)) {
            throw new Error(`${what} differ:\npage ${JSON.stringify(a)}\nNode ${JSON.stringify(b)}`);
          }
        };
        exact("BI scores", got.scores, ref.scores);
        exact("removal orders", got.order, ref.order);
        // Perplexity is exp(mean NLL) in float64 after the logits: Chromium's V8 and Node 20's differ
        // in the last bit of Math.exp/Math.log, so equal logits give perplexities equal to ~1e-15.
        const off = firstOff(got.ppl, ref.ppl, { atol: 0, rtol: 1e-13 });
        if (off) throw new Error(`pruned perplexities differ at ${off}`);
      });

      await check(
        "CPU path: on the page's worker (its own worker threads) the same bits as on the main thread (one thread), " +
          "and on a page that is not cross-origin isolated (one thread)",
        async () => {
          // Logits and BI (4 windows) only: the perplexity curve adds time, not coverage of the threads.
          const one = await cpuBrowser.evaluate(analyzeIn("cpu", false));
          const many = await cpuBrowser.evaluate(analyzeIn("cpu", false, "bytellama-12L", "worker"));
          const cores = await cpuBrowser.evaluate("navigator.hardwareConcurrency");
          if (one.threads !== 1) throw new Error(`the main thread used ${one.threads} threads`);
          if (cores > 1 && many.threads < 2) {
            throw new Error(`the worker used ${many.threads} thread(s) of ${cores} cores`);
          }
          const plain = await startServer({ port: 0, isolated: false });
          let lone;
          try {
            await cpuBrowser.goto(plain.url);
            lone = await cpuBrowser.evaluate(analyzeIn("cpu", false));
          } finally {
            await cpuBrowser.goto(server.url);
            await plain.close();
          }
          if (lone.isolated || lone.threads !== 1) {
            throw new Error(`the page without COOP/COEP is isolated: ${lone.isolated}, threads: ${lone.threads}`);
          }
          for (const [what, r] of [[`worker (${many.threads} threads)`, many], ["page not isolated", lone]]) {
            for (const key of ["logits", "scores", "order", "ppl"]) {
              if (JSON.stringify(r[key]) !== JSON.stringify(one[key])) {
                throw new Error(`${what}: ${key} differ from the main thread's`);
              }
            }
          }
          console.log(`  (worker: ${many.threads} threads; navigator.hardwareConcurrency ${cores})`);
        },
      );

      await check(
        `form: runs end to end; "Download pruned model" (k = ${PRUNE_K}) reloads in Node with the same logits`,
        async () => {
          const downloads = join(work, "downloads");
          await cpuBrowser.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: downloads });
          await cpuBrowser.evaluate(`document.getElementById("windows").value = "${MAX_WINDOWS}";
          document.getElementById("run").click();`);
          for (let t = 0;; t++) {
            const stage = await cpuBrowser.evaluate(`document.getElementById("stage").textContent`);
            if (stage.startsWith("done")) break;
            if (await cpuBrowser.evaluate(`document.getElementById("stage").classList.contains("error")`)) {
              throw new Error(`the page says: ${stage}`);
            }
            if (t > TIMEOUT_MS / 200) throw new Error(`the form did not finish: "${stage}"`);
            await new Promise((r) => setTimeout(r, 200));
          }
          const order = await cpuBrowser.evaluate(`document.getElementById("order").textContent`);
          if (!order.endsWith(ref.order.join(", "))) throw new Error(`the page shows "${order}"`);
          const svgs = await cpuBrowser.evaluate(`document.querySelectorAll(".chart svg").length`);
          if (svgs !== 2) throw new Error(`expected 2 charts, the page shows ${svgs}`);
          if (screenshot) {
            await cpuBrowser.page("Emulation.setDeviceMetricsOverride", {
              width: 900,
              height: await cpuBrowser.evaluate("document.documentElement.scrollHeight"),
              deviceScaleFactor: 1,
              mobile: false,
            });
            const { data } = await cpuBrowser.page("Page.captureScreenshot", {
              format: "png",
              captureBeyondViewport: true,
            });
            writeFileSync(screenshot, Buffer.from(data, "base64"));
          }
          await cpuBrowser.evaluate(
            `document.getElementById("k").value = "${PRUNE_K}"; document.getElementById("download").click();`,
          );
          const want = ["config.json", "model.safetensors"];
          for (let t = 0;; t++) {
            const have = existsSync(downloads) ? readdirSync(downloads) : [];
            if (want.every((f) => have.includes(f)) && !have.some((f) => f.endsWith(".crdownload"))) break;
            if (t > 300) throw new Error(`downloads did not arrive; the folder holds: ${have.join(", ") || "nothing"}`);
            await new Promise((r) => setTimeout(r, 100));
          }
          const reloaded = lib.loadModel(downloads);
          if (reloaded.blocks.length !== 12 - PRUNE_K) {
            throw new Error(`the download has ${reloaded.blocks.length} layers`);
          }
          const { logits } = await lib.forward(reloaded, ref.calib0);
          if (hex(logits) !== hex(ref.prunedLogits)) {
            throw new Error(`reloaded logits differ: ${firstOff(logits, ref.prunedLogits, { atol: 0, rtol: 0 })}`);
          }
          const cfg = JSON.parse(readFileSync(join(downloads, "config.json"), "utf8"));
          if (
            JSON.stringify(cfg.shortgpt.removed_layers) !== JSON.stringify(
              ref.order.slice(0, PRUNE_K).sort((a, b) => a - b),
            )
          ) {
            throw new Error(`config.json records removed_layers ${JSON.stringify(cfg.shortgpt.removed_layers)}`);
          }
          if (statSync(join(downloads, "model.safetensors")).size === 0) throw new Error("empty model.safetensors");
        },
      );

      await check(
        "tokenizers: stories260K (llama2.c tok512.bin, found by URL) gives Node's logits and BI bit for bit; " +
          "tokenizer.model and tokenizer.json in a chosen folder give Node's ids",
        async () => {
          const stories = await nodeReference(lib, join(ROOT, "testdata", "models", "stories260K"));
          const got = await cpuBrowser.evaluate(analyzeIn("cpu", false, "stories260K"));
          if (got.logits !== hex(stories.logits)) {
            throw new Error(
              `stories260K logits differ: ${firstOff(fromHex(got.logits), stories.logits, { atol: 0, rtol: 0 })}`,
            );
          }
          if (JSON.stringify(got.scores) !== JSON.stringify(stories.scores)) {
            throw new Error(
              `stories260K BI differs:\npage ${JSON.stringify(got.scores)}\nNode ${JSON.stringify(stories.scores)}`,
            );
          }
          // babyllama105's vocabulary as a SentencePiece model and as its tokenizer.json conversion
          // (testdata/tokenizers/PROVENANCE.md), each beside the model's config.json in a folder of Files.
          const text = readFileSync(join(ROOT, "testdata", "texts", "tinystories_heldout.txt"), "utf8").slice(0, 4000);
          const base = join(ROOT, "testdata", "models", "babyllama105");
          for (
            const [name, from] of [
              ["tokenizer.model", "models/babyllama105/original/tok105.model"],
              ["tokenizer.json", "tokenizers/hf_sp_tok105.json"],
            ]
          ) {
            const dir = join(work, `babyllama105-${name}`);
            mkdirSync(dir, { recursive: true });
            copyFileSync(join(base, "config.json"), join(dir, "config.json"));
            copyFileSync(join(ROOT, "testdata", ...from.split("/")), join(dir, name));
            const want = Array.from(lib.loadTokenizer(dir, lib.readRawConfig(dir)).encode(text));
            const ids = await cpuBrowser.evaluate(`(async () => {
              const s = globalThis.shortgpt;
              const file = async (url, name) =>
                new File([await (await fetch(url)).arrayBuffer()], name);
              const files = [await file("models/babyllama105/config.json", "config.json"), await file(${
              JSON.stringify(from)
            }, ${JSON.stringify(name)})];
              const tok = await s.tokenizerOf(s.filesFolder("babyllama105", files.map((f) => s.blobSource(f, f.name))));
              return Array.from(tok.encode(${JSON.stringify(text)}));
            })()`);
            if (JSON.stringify(ids) !== JSON.stringify(want)) {
              throw new Error(
                `${name}: the page's ids differ from Node's: ${firstOff(ids, want, { atol: 0, rtol: 0 })}`,
              );
            }
          }
        },
      );
    } finally {
      await cpuBrowser.close();
    }

    // WebGPU: Chromium's own WebGPU (SwiftShader where there is no GPU).
    const gpuBrowser = await launch(chromium, [
      "--enable-unsafe-webgpu",
      "--use-angle=swiftshader",
      "--enable-features=Vulkan",
    ]);
    try {
      await gpuBrowser.goto(server.url);
      const adapter = await gpuBrowser.evaluate(`(async () => {
        const a = await navigator.gpu?.requestAdapter();
        return a ? (a.info?.description || a.info?.vendor || "an adapter") : null;
      })()`);
      const shaders = Object.fromEntries(
        readdirSync(join(ROOT, "kernels", "wgsl")).filter((f) => f.endsWith(".wgsl"))
          .map((f) => [f, readFileSync(join(ROOT, "kernels", "wgsl", f), "utf8")]),
      );
      await check(
        `WebGPU: Chromium's compiler accepts every shader in kernels/wgsl/ (${Object.keys(shaders).length})`,
        async () => {
          if (!adapter) return "Chromium offers no WebGPU adapter here";
          const problems = await gpuBrowser.evaluate(`(async () => {
          const device = await (await navigator.gpu.requestAdapter()).requestDevice();
          const out = [];
          for (const [name, code] of Object.entries(${JSON.stringify(shaders)})) {
            device.pushErrorScope("validation");
            const module = device.createShaderModule({ code, label: name });
            const info = await module.getCompilationInfo();
            for (const m of info.messages) out.push(name + ":" + m.lineNum + ": " + m.type + ": " + m.message);
            try {
              await device.createComputePipelineAsync({ layout: "auto", compute: { module } });
            } catch (e) { out.push(name + ": pipeline: " + e.message); }
            const err = await device.popErrorScope();
            if (err) out.push(name + ": " + err.message);
          }
          device.destroy();
          return out;
        })()`);
          if (problems.length) throw new Error(problems.join("\n"));
        },
      );
      // A diagnostic, run only when asked: where the adapter departs from the CPU (docs/browser.md).
      if (process.argv.includes("--webgpu-precision")) {
        await check(
          "WebGPU precision: the adapter's built-ins, each kernel's own error, the error carried per layer (printed)",
          async () => {
            if (!adapter) return "Chromium offers no WebGPU adapter here";
            const r = await gpuBrowser.evaluate(`(async () => {
            const text = await (await fetch("texts/tinystories_heldout.txt")).text();
            const s = globalThis.shortgpt;
            return s.webGpuPrecision(s.urlFolder(new URL("models/bytellama-12L/", location.href), (u) => s.urlSource(u)),
              text.slice(0, text.lastIndexOf("\\n", text.length / 2)), ${WINDOW});
          })()`);
            console.log(`  adapter: ${r.adapter}`);
            console.table(r.builtins);
            console.log(`  a * b + c fused: ${(100 * r.fusedShare).toFixed(0)} % of the cases where it matters`);
            console.table(r.kernels);
            console.table(r.hidden);
          },
        );
      }
      await check(
        "WebGPU path: the page's logits and BI are within the Deno WebGPU tests' tolerance of Node's",
        async () => {
          if (!adapter) return "Chromium offers no WebGPU adapter here";
          // Without the perplexity curve: SwiftShader runs WebGPU on the CPU, slowly.
          const got = await gpuBrowser.evaluate(analyzeIn("webgpu", false));
          if (got.backend !== "webgpu") throw new Error(`the page ran on ${got.backend}`);
          const off = firstOff(fromHex(got.logits), ref.logits, LOGITS_TOL) ?? firstOff(got.scores, ref.scores, BI_TOL);
          if (off) throw new Error(`beyond tolerance at ${off}`);
          console.log(`  (adapter: ${adapter}; removal order ${got.order.join(",")})`);
        },
      );
    } finally {
      await gpuBrowser.close();
    }
  }
} catch (e) {
  counts.failed++;
  console.log(`FAILED - browser check could not run\n${e instanceof Error ? e.stack : e}`);
} finally {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
}

console.log(`browser: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
process.exit(counts.failed > 0 ? 1 : 0);
