/**
 * The bad inputs every command must answer with exit code 1 and one readable line on stderr
 * (docs/errors.md), as a table: broken model folders, safetensors files and configs built from
 * `testdata/models/stories260K` (one thing broken per folder), bad ids, text files, flags,
 * layer and head lists, and output folders.
 *
 * `errors_test.ts` runs every case through the CLI (the {@link SUBPROCESS_CASES} as real
 * subprocesses, the rest through `main()` in process); `scripts/error_messages.ts` prints the
 * messages docs/errors.md quotes.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { SafetensorsFile } from "../io/safetensors.ts";
import { type TensorEntry, writeSafetensors } from "../io/safetensors_write.ts";

/** The repository root (where package.json is), from src/cli/ or from the Node test bundle. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      if (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).name === "shortgpt") return dir;
    } catch { /* keep walking up */ }
    dir = dirname(dir);
  }
  throw new Error("cannot find the shortgpt repository root above " + fileURLToPath(import.meta.url));
}

/** sha256 over every file name and byte of a folder (recursively), or of a file, to prove it was not touched. */
export function hashFolder(dir: string): string {
  const h = createHash("sha256");
  if (!statSync(dir).isDirectory()) return h.update(readFileSync(dir)).digest("hex");
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      h.update(`${p.slice(dir.length)}\0`);
      if (statSync(p).isDirectory()) walk(p);
      else h.update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest("hex");
}

/** Paths of the fixtures one {@link buildFixtures} call made. */
export interface Fixtures {
  root: string;
  /** An unbroken copy of stories260K (5 layers, 8 heads, 4 kv heads, vocab 512, context 512). */
  good: string;
  /** Broken copies by name (see {@link buildFixtures}). */
  bad: Record<string, string>;
  /** Files and folders that are not models. */
  text: string;
  emptyFile: string;
  latin1: string;
  binary: string;
  aDir: string;
  longIds: string;
  idsBadLine: string;
  idsBadJson: string;
  idsJsonFlat: string;
  idsJsonBadId: string;
  nonEmptyDir: string;
  aFile: string;
  /** tiny-rwkv-4v0 with `"rwkv_version": "8.0"`. */
  rwkvBadVersion: string;
}

function copyModel(from: string, to: string): string {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) copyFileSync(join(from, name), join(to, name));
  return to;
}

function editConfig(dir: string, edit: (c: Record<string, unknown>) => void): void {
  const path = join(dir, "config.json");
  const c = JSON.parse(readFileSync(path, "utf8"));
  edit(c);
  writeFileSync(path, JSON.stringify(c, null, 2));
}

/** Rewrites `dir/model.safetensors` from its own tensors after `edit` changes the entry list. */
function rewriteWeights(
  dir: string,
  edit: (entries: TensorEntry[], read: (name: string) => Uint8Array) => TensorEntry[],
): void {
  const path = join(dir, "model.safetensors");
  const f = SafetensorsFile.open(path);
  const infos = [...f.tensors.values()].sort((a, b) => a.begin - b.begin);
  const bytes = new Map(infos.map((i) => [i.name, f.readBytes(i.name)]));
  f.close();
  const entries = edit(
    infos.map((i) => ({ name: i.name, dtype: i.dtype, shape: [...i.shape], bytes: bytes.get(i.name)! })),
    (name) => bytes.get(name)!,
  );
  writeSafetensors(path, entries);
}

/** Edits the JSON header of `dir/model.safetensors` in place, keeping the data section. */
function editHeader(
  dir: string,
  edit: (h: Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>) => void,
): void {
  const path = join(dir, "model.safetensors");
  const file = readFileSync(path);
  const n = Number(new DataView(file.buffer, file.byteOffset, 8).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n)));
  edit(header);
  const text = new TextEncoder().encode(JSON.stringify(header).padEnd(n, " "));
  if (text.byteLength !== n) throw new Error("editHeader: the edited header must not grow");
  file.set(text, 8);
  writeFileSync(path, file);
}

/**
 * Builds every fixture under `root`: one copy of stories260K per broken thing, text and ids
 * files, a non-empty folder and a plain file. About 25 MB; takes well under a second.
 */
export function buildFixtures(root: string, source = join(repoRoot(), "testdata", "models", "stories260K")): Fixtures {
  const good = copyModel(source, join(root, "good"));
  const bad: Record<string, string> = {};
  const make = (name: string, edit: (dir: string) => void) => {
    bad[name] = copyModel(source, join(root, name));
    edit(bad[name]);
  };
  const st = (dir: string) => join(dir, "model.safetensors");

  // model folder and config.json
  bad.missing = join(root, "no-such-model");
  make("no-config", (d) => {
    writeFileSync(join(d, "config.json.bak"), readFileSync(join(d, "config.json")));
    rmFile(join(d, "config.json"));
  });
  make("config-not-json", (d) => writeFileSync(join(d, "config.json"), '{"model_type": "llama", "hidden_size": 64,'));
  make("config-array", (d) => writeFileSync(join(d, "config.json"), "[64, 5, 8]"));
  make("config-no-hidden", (d) => editConfig(d, (c) => delete c.hidden_size));
  make("config-zero-layers", (d) => editConfig(d, (c) => (c.num_hidden_layers = 0)));
  make("config-string-heads", (d) => editConfig(d, (c) => (c.num_attention_heads = "8")));
  make("config-heads-7", (d) =>
    editConfig(d, (c) => {
      c.num_attention_heads = 7;
      c.num_key_value_heads = 7;
      delete c.head_dim;
    }));
  make("config-kv-3", (d) => editConfig(d, (c) => (c.num_key_value_heads = 3)));
  make("config-gpt2", (d) => editConfig(d, (c) => (c.model_type = "gpt2")));
  make("config-big-vocab", (d) => editConfig(d, (c) => (c.vocab_size = 1000)));
  make("config-eps-string", (d) => editConfig(d, (c) => (c.rms_norm_eps = "1e-5")));
  make("config-odd-head-dim", (d) => editConfig(d, (c) => (c.head_dim = 7)));
  make("config-tie-yes", (d) => editConfig(d, (c) => (c.tie_word_embeddings = "yes")));
  make("config-eos-string", (d) => editConfig(d, (c) => (c.eos_token_id = "2")));
  make("config-rope-scaling-4", (d) => editConfig(d, (c) => (c.rope_scaling = 4)));
  make("config-rope-linear-string", (d) => editConfig(d, (c) => (c.rope_scaling = { type: "linear", factor: "2" })));
  make("config-rope-unknown", (d) => editConfig(d, (c) => (c.rope_scaling = { rope_type: "su", factor: 2 })));
  make("config-layer-types-short", (d) => editConfig(d, (c) => (c.layer_types = ["full_attention"])));
  make("config-rope-theta-disagrees", (d) =>
    editConfig(d, (c) => {
      c.rope_theta = 10000;
      c.rope_parameters = { rope_type: "default", rope_theta: 500000 };
    }));
  make("config-layers-huge", (d) => editConfig(d, (c) => (c.num_hidden_layers = 2_000_000_000)));
  make("no-weights", (d) => rmFile(st(d)));
  make("two-files-same-tensor", (d) => {
    copyFileSync(st(d), join(d, "copy.safetensors"));
    rmFile(st(d));
    copyFileSync(join(d, "copy.safetensors"), join(d, "other.safetensors"));
  });
  make("index-not-json", (d) => writeFileSync(join(d, "model.safetensors.index.json"), "{weight_map"));
  make("gap", (d) =>
    editHeader(d, (h) => {
      const first = Object.values(h).filter((e) => e.data_offsets).sort((a, b) =>
        a.data_offsets[0] - b.data_offsets[0]
      );
      first[0].data_offsets = [first[0].data_offsets[0] + 4, first[0].data_offsets[1]];
      first[0].shape = [first[0].shape.reduce((a, b) => a * b, 1) - 1];
    }));
  make("offsets-span", (d) => editHeader(d, (h) => (h["model.norm.weight"].shape = [32])));
  bad.rwkv = copyModel(join(dirname(source), "tiny-rwkv-4v0-660K"), join(root, "rwkv"));
  make("no-tokenizer", (d) => rmFile(join(d, "tok512.bin")));
  make("two-tokenizers", (d) => copyFileSync(join(d, "tok512.bin"), join(d, "tok1.bin")));
  make(
    "short-tokenizer",
    (d) => writeFileSync(join(d, "tok512.bin"), readFileSync(join(d, "tok512.bin")).subarray(0, 100)),
  );
  make("broken-tokenizer-json", (d) => writeFileSync(join(d, "tokenizer.json"), "{"));
  make("weights-folder", (d) => {
    rmFile(st(d));
    mkdirSync(st(d));
  });
  make(
    "shard-escapes",
    (d) =>
      writeFileSync(
        join(d, "model.safetensors.index.json"),
        JSON.stringify({ weight_map: { "model.norm.weight": "../x.safetensors" } }),
      ),
  );

  // safetensors
  make(
    "missing-tensor",
    (d) => rewriteWeights(d, (es) => es.filter((e) => e.name !== "model.layers.2.mlp.up_proj.weight")),
  );
  make("wrong-shape", (d) => editHeader(d, (h) => (h["model.norm.weight"].shape = [32, 2])));
  make("truncated", (d) => {
    const b = readFileSync(st(d));
    writeFileSync(st(d), b.subarray(0, b.byteLength >> 1));
  });
  make("short-file", (d) => writeFileSync(st(d), new Uint8Array([1, 2, 3])));
  make("header-huge", (d) => {
    const b = readFileSync(st(d));
    new DataView(b.buffer, b.byteOffset, 8).setBigUint64(0, 0xffff_ffff_ffff_fff0n, true);
    writeFileSync(st(d), b);
  });
  make("header-past-end", (d) => {
    const b = readFileSync(st(d));
    new DataView(b.buffer, b.byteOffset, 8).setBigUint64(0, BigInt(b.byteLength), true);
    writeFileSync(st(d), b);
  });
  make("header-not-json", (d) => {
    const b = readFileSync(st(d));
    b.set(new TextEncoder().encode("this is not json!"), 8);
    writeFileSync(st(d), b);
  });
  make("header-not-object", (d) => {
    const b = readFileSync(st(d));
    const n = Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true));
    b.set(new TextEncoder().encode("[1,2,3]".padEnd(n, " ")), 8);
    writeFileSync(st(d), b);
  });
  make("overlap", (d) =>
    editHeader(d, (h) => {
      // model.norm.weight [64] takes the bytes of the first tensor's first 256 bytes
      const first = Object.entries(h).filter(([k]) => k !== "__metadata__").sort((a, b) =>
        a[1].data_offsets[0] - b[1].data_offsets[0]
      );
      h["model.norm.weight"].data_offsets = [first[0][1].data_offsets[0], first[0][1].data_offsets[0] + 256];
    }));
  make("dtype-unknown", (d) => editHeader(d, (h) => (h["model.norm.weight"].dtype = "F33")));
  make("nan-weight", (d) =>
    rewriteWeights(d, (es, read) => {
      const e = es.find((x) => x.name === "model.layers.1.self_attn.k_proj.weight")!;
      const b = read(e.name).slice();
      new DataView(b.buffer).setFloat32(4 * 17, NaN, true);
      e.bytes = b;
      return es;
    }));
  make("overflow", (d) =>
    rewriteWeights(d, (es, read) => {
      // finite weights whose activations overflow float32 in layer 2
      const e = es.find((x) => x.name === "model.layers.2.mlp.down_proj.weight")!;
      const b = new Float32Array(read(e.name).byteLength / 4).fill(3e38);
      e.bytes = new Uint8Array(b.buffer);
      return es;
    }));
  for (const kind of ["shard-missing", "shard-lacks-tensor"]) {
    make(kind, (d) => {
      const f = SafetensorsFile.open(st(d));
      const infos = [...f.tensors.values()].sort((a, b) => a.begin - b.begin);
      const half = infos.length >> 1;
      const shards = [infos.slice(0, half), infos.slice(half)];
      const names = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"];
      const weightMap: Record<string, string> = {};
      shards.forEach((list, s) => {
        writeSafetensors(
          join(d, names[s]),
          list.map((i) => ({ name: i.name, dtype: i.dtype, shape: i.shape, bytes: f.readBytes(i.name) })),
        );
        for (const i of list) weightMap[i.name] = names[s];
      });
      f.close();
      rmFile(st(d));
      if (kind === "shard-missing") rmFile(join(d, names[1]));
      else weightMap[infos[half].name] = names[0];
      writeFileSync(join(d, "model.safetensors.index.json"), JSON.stringify({ metadata: {}, weight_map: weightMap }));
    });
  }

  // inputs that are not models
  const text = join(root, "text.txt");
  writeFileSync(text, "Once upon a time there was a little dog. ".repeat(20));
  const emptyFile = join(root, "empty.txt");
  writeFileSync(emptyFile, "");
  const latin1 = join(root, "latin1.txt");
  writeFileSync(latin1, new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x20, 0x6e, 0x6f, 0x69, 0x72, 0x0a])); // "café noir" in Latin-1
  const binary = join(root, "binary.bin");
  writeFileSync(binary, new Uint8Array([0x00, 0xff, 0xfe, 0x80, 0x81]));
  const aDir = join(root, "a-folder");
  mkdirSync(aDir);
  const longIds = join(root, "long.ids");
  writeFileSync(longIds, Array.from({ length: 600 }, (_, i) => 3 + (i % 500)).join(" ") + "\n");
  const idsBadLine = join(root, "bad-line.ids");
  writeFileSync(idsBadLine, "1 403 407\n1 2 x3 4\n");
  const idsBadJson = join(root, "bad.json.ids");
  writeFileSync(idsBadJson, "[[1, 2, 3], [4, 5\n");
  const idsJsonFlat = join(root, "flat.json.ids");
  writeFileSync(idsJsonFlat, "[1, 2, 3]\n");
  const idsJsonBadId = join(root, "bad-id.json.ids");
  writeFileSync(idsJsonBadId, '[[1, 2], ["x"]]\n');
  const nonEmptyDir = join(root, "non-empty");
  mkdirSync(nonEmptyDir);
  writeFileSync(join(nonEmptyDir, "keep.txt"), "user data\n");
  const aFile = join(root, "a-file");
  writeFileSync(aFile, "not a folder\n");
  const rwkvBadVersion = copyModel(bad.rwkv, join(root, "rwkv-v8"));
  editConfig(rwkvBadVersion, (c) => (c.rwkv_version = "8.0"));
  return {
    root,
    good,
    bad,
    text,
    emptyFile,
    latin1,
    binary,
    aDir,
    longIds,
    idsBadLine,
    idsBadJson,
    idsJsonFlat,
    idsJsonBadId,
    nonEmptyDir,
    aFile,
    rwkvBadVersion,
  };
}

function rmFile(path: string): void {
  rmSync(path);
}

/** Where a message belongs in docs/errors.md. */
export type ErrorGroup =
  | "model folder"
  | "config"
  | "safetensors"
  | "tokens and text"
  | "flags"
  | "layer and head lists"
  | "output folders"
  | "numerics";

/**
 * One bad input: the command line and the message it must produce. Every file and folder the
 * command line names must be byte-for-byte unchanged afterwards.
 */
export interface ErrorCase {
  name: string;
  group: ErrorGroup;
  args: (f: Fixtures) => string[];
  /** The message (after `shortgpt: `) must match. */
  expect: RegExp;
  /** Why the case cannot run here, if it cannot. */
  skip?: () => string | undefined;
}

/** Every bad input, by group. */
export const ERROR_CASES: readonly ErrorCase[] = [
  // model folder and config.json
  {
    group: "model folder",
    name: "a missing model folder",
    args: (f) => ["info", f.bad.missing],
    expect: /Model folder ".*no-such-model" does not exist; give the folder that holds config\.json/,
  },
  {
    group: "model folder",
    name: "a file given as the model folder",
    args: (f) => ["info", f.aFile],
    expect: /is a file, not a model folder/,
  },
  {
    group: "model folder",
    name: "config.json given as the model folder",
    args: (f) => ["forward", f.good + "/config.json", "--ids", "1"],
    expect: /is a file, not a model folder.*here ".*good"/,
  },
  {
    group: "model folder",
    name: "model.safetensors is a folder",
    args: (f) => ["info", f.bad["weights-folder"]],
    expect: /it is a folder, not a safetensors file/,
  },
  { group: "config", name: "no config.json", args: (f) => ["info", f.bad["no-config"]], expect: /config\.json/ },
  {
    group: "config",
    name: "config.json is not JSON",
    args: (f) => ["info", f.bad["config-not-json"]],
    expect: /Cannot parse ".*config\.json"/,
  },
  {
    group: "config",
    name: "config.json is not an object",
    args: (f) => ["info", f.bad["config-array"]],
    expect: /not a JSON object/,
  },
  {
    group: "config",
    name: "hidden_size missing",
    args: (f) => ["info", f.bad["config-no-hidden"]],
    expect: /"hidden_size" is missing/,
  },
  {
    group: "config",
    name: "num_hidden_layers 0",
    args: (f) => ["info", f.bad["config-zero-layers"]],
    expect: /"num_hidden_layers" is 0/,
  },
  {
    group: "config",
    name: "num_attention_heads a string",
    args: (f) => ["info", f.bad["config-string-heads"]],
    expect: /"num_attention_heads" is "8"/,
  },
  {
    group: "config",
    name: "heads not dividing hidden_size, no head_dim",
    args: (f) => ["info", f.bad["config-heads-7"]],
    expect: /not divisible by num_attention_heads 7/,
  },
  {
    group: "config",
    name: "kv heads not dividing heads",
    args: (f) => ["info", f.bad["config-kv-3"]],
    expect: /num_attention_heads 8 is not a multiple of num_key_value_heads 3/,
  },
  {
    group: "config",
    name: "unknown model_type",
    args: (f) => ["info", f.bad["config-gpt2"]],
    expect: /"gpt2".*supported: llama/,
  },
  {
    group: "config",
    name: "vocab_size disagreeing with the embedding",
    args: (f) => ["info", f.bad["config-big-vocab"]],
    expect: /"model\.embed_tokens\.weight" has shape \[512, 64\] but config\.json implies \[1000, 64\]/,
  },
  // safetensors
  {
    group: "safetensors",
    name: "a missing tensor",
    args: (f) => ["forward", f.bad["missing-tensor"], "--ids", "1,2"],
    expect: /"model\.layers\.2\.mlp\.up_proj\.weight".*missing/,
  },
  {
    group: "safetensors",
    name: "a missing tensor, streamed forward",
    args: (f) => ["forward", f.bad["missing-tensor"], "--ids", "1,2", "--stream"],
    expect: /"model\.layers\.2\.mlp\.up_proj\.weight".*missing/,
  },
  {
    group: "safetensors",
    name: "a missing tensor, streamed importance",
    args: (f) => ["importance", f.bad["missing-tensor"], "--text-file", f.text, "--stream"],
    expect: /"model\.layers\.2\.mlp\.up_proj\.weight".*missing/,
  },
  {
    group: "safetensors",
    name: "a missing tensor, streamed ppl",
    args: (f) => ["ppl", f.bad["missing-tensor"], "--text-file", f.text, "--stream"],
    expect: /"model\.layers\.2\.mlp\.up_proj\.weight".*missing/,
  },
  {
    group: "safetensors",
    name: "a tensor of the wrong shape",
    args: (f) => ["info", f.bad["wrong-shape"]],
    expect: /"model\.norm\.weight" has shape \[32, 2\] but config\.json implies \[64\]/,
  },
  { group: "safetensors", name: "a truncated file", args: (f) => ["info", f.bad.truncated], expect: /truncated/ },
  {
    group: "safetensors",
    name: "a file shorter than 8 bytes",
    args: (f) => ["info", f.bad["short-file"]],
    expect: /fewer than the 8-byte header length/,
  },
  {
    group: "safetensors",
    name: "a huge header length",
    args: (f) => ["info", f.bad["header-huge"]],
    expect: /header length \d+ exceeds/,
  },
  {
    group: "safetensors",
    name: "a header length past the end",
    args: (f) => ["info", f.bad["header-past-end"]],
    expect: /exceeds file size/,
  },
  {
    group: "safetensors",
    name: "a header that is not JSON",
    args: (f) => ["info", f.bad["header-not-json"]],
    expect: /not valid UTF-8 JSON/,
  },
  {
    group: "safetensors",
    name: "a header that is not an object",
    args: (f) => ["info", f.bad["header-not-object"]],
    expect: /not a JSON object/,
  },
  { group: "safetensors", name: "overlapping byte ranges", args: (f) => ["info", f.bad.overlap], expect: /overlaps/ },
  {
    group: "safetensors",
    name: "an unknown dtype",
    args: (f) => ["info", f.bad["dtype-unknown"]],
    expect: /dtype "F33"/,
  },
  {
    group: "safetensors",
    name: "a sharded index naming a missing shard",
    args: (f) => ["info", f.bad["shard-missing"]],
    expect: /"model-00002-of-00002\.safetensors", which is missing/,
  },
  {
    group: "safetensors",
    name: "a sharded index naming the wrong shard",
    args: (f) => ["info", f.bad["shard-lacks-tensor"]],
    expect: /that shard does not hold it/,
  },
  // numerics
  {
    group: "numerics",
    name: "NaN in a weight",
    args: (f) => ["info", f.bad["nan-weight"]],
    expect: /"model\.layers\.1\.self_attn\.k_proj\.weight" holds NaN at element 17/,
  },
  {
    group: "numerics",
    name: "activations that overflow",
    args: (f) => ["forward", f.bad.overflow, "--ids", "1,403,407"],
    expect: /output of layer 2 holds/,
  },
  // tokens and text
  {
    group: "tokens and text",
    name: "a non-numeric id",
    args: (f) => ["forward", f.good, "--ids", "1,abc"],
    expect: /"abc"/,
  },
  { group: "tokens and text", name: "a negative id", args: (f) => ["forward", f.good, "--ids", "-3"], expect: /"-3"/ },
  {
    group: "tokens and text",
    name: "an id past the vocabulary",
    args: (f) => ["forward", f.good, "--ids", "1,600"],
    expect: /600.*0\.\.511/,
  },
  { group: "tokens and text", name: "no ids", args: (f) => ["forward", f.good, "--ids", " "], expect: /no token ids/ },
  {
    group: "tokens and text",
    name: "more ids than the context",
    args: (f) => ["forward", f.good, "--ids-file", f.longIds],
    expect: /600 tokens exceed the model's context of 512/,
  },
  {
    group: "tokens and text",
    name: "a window longer than the context",
    args: (f) => ["ppl", f.good, "--ids-file", f.longIds, "--window", "600"],
    expect: /context of 512/,
  },
  {
    group: "tokens and text",
    name: "a bad line in an ids file",
    args: (f) => ["ppl", f.good, "--ids-file", f.idsBadLine],
    expect: /line 2.*"x3"/,
  },
  {
    group: "tokens and text",
    name: "an ids file that is broken JSON",
    args: (f) => ["ppl", f.good, "--ids-file", f.idsBadJson],
    expect: /not valid JSON/,
  },
  {
    group: "tokens and text",
    name: "a missing text file",
    args: (f) => ["importance", f.good, "--text-file", f.root + "/nope.txt"],
    expect: /Cannot read text file ".*nope\.txt": it does not exist/,
  },
  {
    group: "tokens and text",
    name: "an empty text file",
    args: (f) => ["ppl", f.good, "--text-file", f.emptyFile],
    expect: /is empty/,
  },
  {
    group: "tokens and text",
    name: "a text file that is not UTF-8",
    args: (f) => ["ppl", f.good, "--text-file", f.latin1],
    expect: /not UTF-8 \(invalid byte at offset 3\)/,
  },
  {
    group: "tokens and text",
    name: "a folder given as the text file",
    args: (f) => ["importance", f.good, "--text-file", f.aDir],
    expect: /it is a folder, not a file/,
  },
  {
    group: "tokens and text",
    name: "decoding an id past the vocabulary",
    args: (f) => ["tokenize", f.good, "--decode", "1,600"],
    expect: /600/,
  },
  {
    group: "tokens and text",
    name: "a binary file to tokenize",
    args: (f) => ["tokenize", f.good, "--text-file", f.binary],
    expect: /not UTF-8/,
  },
  {
    group: "tokens and text",
    name: "compare on a file that is not safetensors",
    args: (f) => ["compare", f.text, f.text],
    expect: /Cannot load/,
  },
  // flags
  { group: "flags", name: "an unknown command", args: () => ["prnue"], expect: /Unknown command "prnue"/ },
  {
    group: "flags",
    name: "an unknown flag",
    args: (f) => ["importance", f.good, "--txt-file", f.text],
    expect: /Unknown flag "--txt-file".*did you mean "--text-file"/,
  },
  {
    group: "flags",
    name: "a flag without its value",
    args: (f) => ["ppl", f.good, "--text-file"],
    expect: /"--text-file" needs a value/,
  },
  {
    group: "flags",
    name: "--window 0",
    args: (f) => ["ppl", f.good, "--text-file", f.text, "--window", "0"],
    expect: /--window is 0/,
  },
  {
    group: "flags",
    name: "a negative --window",
    args: (f) => ["importance", f.good, "--text-file", f.text, "--window", "-5"],
    expect: /--window is -5/,
  },
  {
    group: "flags",
    name: "--window not a number",
    args: (f) => ["ppl", f.good, "--text-file", f.text, "--window", "abc"],
    expect: /whole number; got "abc"/,
  },
  {
    group: "flags",
    name: "--max-windows 0",
    args: (f) => ["ppl", f.good, "--text-file", f.text, "--max-windows", "0"],
    expect: /--max-windows is 0/,
  },
  {
    group: "flags",
    name: "an unknown metric",
    args: (f) => ["importance", f.good, "--text-file", f.text, "--metric", "cosine"],
    expect: /Unknown metric "cosine"/,
  },
  {
    group: "flags",
    name: "angular:0",
    args: (f) => ["importance", f.good, "--text-file", f.text, "--metric", "angular:0"],
    expect: /Metric "angular:0" needs 1 <= n <= 5/,
  },
  {
    group: "flags",
    name: "an unknown backend",
    args: (f) => ["info", f.good, "--backend", "tpu"],
    expect: /"--backend" is "tpu"; choose one of: cpu, webgpu, auto/,
  },
  {
    group: "flags",
    name: "a negative --atol",
    args: (f) => ["compare", f.good + "/model.safetensors", f.good + "/model.safetensors", "--atol", "-1"],
    expect: /--atol/,
  },
  { group: "flags", name: "no ids source", args: (f) => ["forward", f.good], expect: /Give one of --ids/ },
  {
    group: "flags",
    name: "two ids sources",
    args: (f) => ["forward", f.good, "--ids", "1", "--text", "a"],
    expect: /Give only one of/,
  },
  { group: "flags", name: "an extra positional", args: (f) => ["info", f.good, f.good], expect: /Unexpected argument/ },
  {
    group: "flags",
    name: "--remove 0",
    args: (f) => ["prune", f.good, "--out", f.root + "/o1", "--remove", "0", "--text-file", f.text],
    expect: /--remove 0/,
  },
  {
    group: "flags",
    name: "--max-memory nonsense",
    args: (f) => ["ppl", f.good, "--text-file", f.text, "--max-memory", "lots"],
    expect: /--max-memory "lots"/,
  },
  // layer and head lists
  {
    group: "layer and head lists",
    name: "a layer out of range",
    args: (f) => ["prune", f.good, "--out", f.root + "/o2", "--layers", "9"],
    expect: /Layer 9 is out of range; the model has layers 0\.\.4/,
  },
  {
    group: "layer and head lists",
    name: "a negative layer",
    args: (f) => ["prune", f.good, "--out", f.root + "/o2", "--layers", "-1"],
    expect: /--layers: layer "-1" \(item 1\) is not a non-negative integer/,
  },
  {
    group: "layer and head lists",
    name: "a layer listed twice",
    args: (f) => ["prune", f.good, "--out", f.root + "/o3", "--layers", "1,1"],
    expect: /Layer 1 is listed twice/,
  },
  {
    group: "layer and head lists",
    name: "removing every layer",
    args: (f) => ["prune", f.good, "--out", f.root + "/o4", "--layers", "0,1,2,3,4"],
    expect: /Removing all 5 layers/,
  },
  {
    group: "layer and head lists",
    name: "--remove every layer",
    args: (f) => ["prune", f.good, "--out", f.root + "/o4", "--remove", "5", "--metric", "reverse"],
    expect: /--remove 5/,
  },
  {
    group: "layer and head lists",
    name: "a head-sweep layer out of range",
    args: (f) => ["head-sweep", f.good, "--text-file", f.text, "--layers", "7", "--out", f.root + "/hs"],
    expect: /7/,
  },
  {
    group: "layer and head lists",
    name: "a head's layer out of range",
    args: (f) => ["prune-heads", f.good, "--out", f.root + "/o5", "--heads", "9:0"],
    expect: /layer 9 is out of range/,
  },
  {
    group: "layer and head lists",
    name: "a head out of range",
    args: (f) => ["prune-heads", f.good, "--out", f.root + "/o5", "--heads", "0:8"],
    expect: /head 8 is out of range; layer 0 has heads 0\.\.7/,
  },
  {
    group: "layer and head lists",
    name: "a head listed twice",
    args: (f) => ["prune-heads", f.good, "--out", f.root + "/o5", "--heads", "0:1,0:1"],
    expect: /listed twice/,
  },
  {
    group: "layer and head lists",
    name: "every head of a layer",
    args: (f) => ["prune-heads", f.good, "--out", f.root + "/o5", "--heads", "2:0,2:1,2:2,2:3,2:4,2:5,2:6,2:7"],
    expect: /Removing all 8 heads of layer 2/,
  },
  {
    group: "layer and head lists",
    name: "a malformed head",
    args: (f) => ["prune-heads", f.good, "--out", f.root + "/o5", "--heads", "3:"],
    expect: /"3:"/,
  },
  // output folders
  {
    group: "output folders",
    name: "--out is the input folder",
    args: (f) => ["prune", f.good, "--out", f.good, "--layers", "1"],
    expect: /is the input model folder/,
  },
  {
    group: "output folders",
    name: "--out inside the input folder",
    args: (f) => ["prune", f.good, "--out", f.good + "/pruned", "--layers", "1"],
    expect: /inside the input model folder/,
  },
  {
    group: "output folders",
    name: "--out a non-empty folder without --force",
    args: (f) => ["prune", f.good, "--out", f.nonEmptyDir, "--layers", "1"],
    expect: /not empty.*--force/,
  },
  {
    group: "output folders",
    name: "--out a file",
    args: (f) => ["prune-heads", f.good, "--out", f.aFile, "--heads", "0:1"],
    expect: /is a file/,
  },
  {
    group: "output folders",
    name: "--out under a file",
    args: (f) => ["prune", f.good, "--out", f.aFile + "/pruned", "--layers", "1"],
    expect: /a-file" is a file, not a folder/,
  },
  {
    group: "output folders",
    name: "--out in a folder that cannot be written",
    args: (f) => ["prune", f.good, "--out", "/proc/shortgpt-out", "--layers", "1"],
    expect: /cannot be written in "\/proc": .*; choose another place/,
    skip: () => (process.platform === "linux" ? undefined : "needs Linux's /proc, which nobody may create files in"),
  },
  {
    group: "output folders",
    name: "a dump inside the input folder",
    args: (f) => ["forward", f.good, "--ids", "1,2", "--out", f.good + "/dump.safetensors"],
    expect: /inside the input model folder/,
  },
  {
    group: "output folders",
    name: "a report inside the input folder",
    args: (f) => ["importance", f.good, "--text-file", f.text, "--json", f.good + "/bi.json"],
    expect: /inside the input model folder/,
  },
  {
    group: "output folders",
    name: "a report under a file",
    args: (f) => ["ppl", f.good, "--text-file", f.text, "--json", f.aFile + "/ppl.json"],
    expect: /a-file" is a file, not a folder/,
  },
  {
    group: "output folders",
    name: "sweep into the input folder",
    args: (f) => ["sweep", f.good, "--text-file", f.text, "--out", f.good],
    expect: /it is the input model folder/,
  },
  {
    group: "output folders",
    name: "demo into a foreign folder",
    args: (f) => ["demo", "--out", f.nonEmptyDir],
    expect: /not written by the demo/,
  },
  {
    group: "output folders",
    name: "demo into a file",
    args: (f) => ["demo", "--out", f.aFile],
    expect: /it is a file; give a folder/,
  },
  {
    group: "output folders",
    name: "a report over a folder",
    args: (f) => ["ppl", f.good, "--text-file", f.text, "--json", f.aDir],
    expect: /it is a folder; give a file name/,
  },
  // more model folders, through the commands that copy tensors as stored or stream them
  {
    group: "numerics",
    name: "prune refuses NaN weights instead of copying them",
    args: (f) => ["prune", f.bad["nan-weight"], "--out", f.root + "/o6", "--layers", "3"],
    expect: /"model\.layers\.1\.self_attn\.k_proj\.weight" holds NaN/,
  },
  {
    group: "safetensors",
    name: "prune refuses a missing tensor",
    args: (f) => ["prune", f.bad["missing-tensor"], "--out", f.root + "/o7", "--layers", "3"],
    expect: /"model\.layers\.2\.mlp\.up_proj\.weight" \[172, 64\] is missing/,
  },
  {
    group: "safetensors",
    name: "prune-heads refuses a wrong shape",
    args: (f) => ["prune-heads", f.bad["wrong-shape"], "--out", f.root + "/o8", "--heads", "0:1"],
    expect: /"model\.norm\.weight" has shape \[32, 2\]/,
  },
  {
    group: "config",
    name: "a string rms_norm_eps",
    args: (f) => ["ppl", f.bad["config-eps-string"], "--ids", "1,2,3"],
    expect: /"rms_norm_eps" is "1e-5"; expected a positive number/,
  },
  {
    group: "config",
    name: "an odd head_dim with RoPE",
    args: (f) => ["info", f.bad["config-odd-head-dim"]],
    expect: /head_dim 7 is odd/,
  },
  {
    group: "safetensors",
    name: "a shard named outside the folder",
    args: (f) => ["info", f.bad["shard-escapes"]],
    expect: /names shard "\.\.\/x\.safetensors"/,
  },
  {
    group: "tokens and text",
    name: "an id past the vocabulary while streaming",
    args: (f) => ["importance", f.good, "--ids", "1,600", "--stream"],
    expect: /Token id 600 at position 1 is out of range/,
  },
  {
    group: "tokens and text",
    name: "an id past the vocabulary in a streamed forward",
    args: (f) => ["forward", f.good, "--ids", "1,600", "--stream"],
    expect: /Token id 600 at position 1 is out of range/,
  },
  {
    group: "config",
    name: "a switch that is a string",
    args: (f) => ["info", f.bad["config-tie-yes"]],
    expect: /"tie_word_embeddings" is "yes"; expected true or false/,
  },
  {
    group: "config",
    name: "a token id that is a string",
    args: (f) => ["info", f.bad["config-eos-string"]],
    expect: /"eos_token_id" is "2"; expected a token id/,
  },
  {
    group: "config",
    name: "rope_scaling a number",
    args: (f) => ["info", f.bad["config-rope-scaling-4"]],
    expect: /"rope_scaling" is 4; expected an object/,
  },
  {
    group: "config",
    name: "rope_scaling with a string factor",
    args: (f) => ["info", f.bad["config-rope-linear-string"]],
    expect: /"rope_scaling\.factor" is "2"; rope type "linear" needs a positive number/,
  },
  {
    group: "config",
    name: "a RoPE kind shortgpt does not compute",
    args: (f) => ["info", f.bad["config-rope-unknown"]],
    expect: /rope type "su" in "rope_scaling" is not supported; shortgpt computes default, linear, dynamic, yarn/,
  },
  {
    group: "config",
    name: "layer_types of the wrong length",
    args: (f) => ["info", f.bad["config-layer-types-short"]],
    expect: /"layer_types" is a list of 1; expected \d+ entries \(num_hidden_layers\)/,
  },
  {
    group: "config",
    name: "rope_parameters that disagree with rope_theta",
    args: (f) => ["info", f.bad["config-rope-theta-disagrees"]],
    expect: /"rope_parameters\.rope_theta" is 500000 but "rope_theta" is 10000; they must agree/,
  },
  {
    group: "config",
    name: "an absurd layer count",
    args: (f) => ["info", f.bad["config-layers-huge"]],
    expect: /"num_hidden_layers" is 2000000000; shortgpt reads models of at most 65536 layers/,
  },
  {
    group: "config",
    name: "an unknown rwkv_version",
    args: (f) => ["info", f.rwkvBadVersion],
    expect: /"rwkv_version" is "8\.0"; supported: 4\.0/,
  },
  {
    group: "model folder",
    name: "no weights",
    args: (f) => ["info", f.bad["no-weights"]],
    expect: /No weights in ".*no-weights": expected model\.safetensors/,
  },
  {
    group: "safetensors",
    name: "two unindexed files holding one tensor",
    args: (f) => ["info", f.bad["two-files-same-tensor"]],
    expect: /is in both ".*copy\.safetensors" and ".*other\.safetensors"; remove the stray shard/,
  },
  {
    group: "safetensors",
    name: "an index that is not JSON",
    args: (f) => ["info", f.bad["index-not-json"]],
    expect: /Cannot read ".*model\.safetensors\.index\.json": .*expected \{"weight_map"/,
  },
  {
    group: "safetensors",
    name: "a gap between tensors",
    args: (f) => ["info", f.bad.gap],
    expect: /leaves a gap after the previous tensor/,
  },
  {
    group: "safetensors",
    name: "offsets that disagree with the shape",
    args: (f) => ["info", f.bad["offsets-span"]],
    expect: /"model\.norm\.weight" \(F32 \[32\]\) needs 128 bytes but its offsets span 256/,
  },
  {
    group: "safetensors",
    name: "compare on a missing file",
    args: (f) => ["compare", f.root + "/nope.safetensors", f.text],
    expect: /Cannot open ".*nope\.safetensors": it does not exist \(ENOENT\)/,
  },
  {
    group: "flags",
    name: "a switch given a value",
    args: (f) => ["prune", f.good, "--out", f.root + "/o9", "--layers", "1", "--force=yes"],
    expect: /Flag "--force" is a switch; got "yes"/,
  },
  {
    group: "flags",
    name: "a flag given twice",
    args: (f) => ["ppl", f.good, "--text-file", f.text, "--window", "8", "--window", "16"],
    expect: /Flag "--window" is given twice/,
  },
  {
    group: "flags",
    name: "--atol not a number",
    args: (f) => ["compare", f.text, f.text, "--atol", "x"],
    expect: /Flag "--atol" needs a number; got "x"/,
  },
  { group: "flags", name: "a short option", args: (f) => ["info", f.good, "-h"], expect: /Unknown option "-h"/ },
  {
    group: "layer and head lists",
    name: "head removal on RWKV",
    args: (f) => ["prune-heads", f.bad.rwkv, "--out", f.root + "/o10", "--heads", "0:1"],
    expect: /Head removal needs a Llama-family model/,
  },
  {
    group: "numerics",
    name: "windows of one token",
    args: (f) => ["ppl", f.good, "--ids", "1 2 3", "--window", "1"],
    expect: /Every window has a single token/,
  },
  {
    group: "tokens and text",
    name: "an ids file of JSON that is not a list of lists",
    args: (f) => ["ppl", f.good, "--ids-file", f.idsJsonFlat],
    expect: /must be a JSON array of arrays of ids/,
  },
  {
    group: "tokens and text",
    name: "an ids file of JSON with a bad id",
    args: (f) => ["ppl", f.good, "--ids-file", f.idsJsonBadId],
    expect: /sequence 2: token id "x" \(item 1\) is not a non-negative integer/,
  },
  {
    group: "tokens and text",
    name: "text without a tokenizer",
    args: (f) => ["ppl", f.bad["no-tokenizer"], "--text-file", f.text],
    expect: /No tokenizer found in ".*no-tokenizer": looked for tokenizer\.json/,
  },
  {
    group: "tokens and text",
    name: "two llama2.c tokenizer files",
    args: (f) => ["tokenize", f.bad["two-tokenizers"], "--text", "hi"],
    expect: /found "tok1\.bin", "tok512\.bin"; keep one/,
  },
  {
    group: "tokens and text",
    name: "a truncated tokenizer file",
    args: (f) => ["tokenize", f.bad["short-tokenizer"], "--text", "hi"],
    expect: /with vocab_size 512: the file holds 7 pieces/,
  },
  {
    group: "tokens and text",
    name: "a tokenizer.json that is not JSON",
    args: (f) => ["tokenize", f.bad["broken-tokenizer-json"], "--text", "hi"],
    expect: /tokenizer\.json": it is not valid JSON/,
  },
  {
    group: "output folders",
    name: "--out holding the input folder",
    args: (f) => ["prune", f.good, "--out", f.root, "--layers", "1", "--force"],
    expect: /contains the input model folder/,
  },
  {
    group: "config",
    name: "a broken config while streaming",
    args: (f) => ["ppl", f.bad["config-gpt2"], "--ids", "1,2,3", "--stream"],
    expect: /model_type "gpt2"/,
  },
  {
    group: "flags",
    name: "--max-remove past the layers",
    args: (f) => ["sweep", f.good, "--ids", "1,2,3", "--max-remove", "9", "--out", f.root + "/sw"],
    expect: /--max-remove 9: give a number from 0 to 4/,
  },
  {
    group: "flags",
    name: "a negative --max-remove",
    args: (f) => ["sweep", f.good, "--ids", "1,2,3", "--max-remove", "-1", "--out", f.root + "/sw"],
    expect: /--max-remove -1: give a number from 0 to 4/,
  },
];

/**
 * One case per kind of bad input, named: `errors_test.ts` runs these as
 * real subprocesses on the runtime running the tests, and the others through `main()` in
 * process (same code path, no process start), to keep the suite fast.
 */
export const SUBPROCESS_CASES: ReadonlySet<string> = new Set([
  "a missing tensor, streamed importance",
  // model folders, config.json, safetensors, NaN
  "a missing model folder",
  "no config.json",
  "config.json is not JSON",
  "config.json is not an object",
  "hidden_size missing",
  "num_hidden_layers 0",
  "heads not dividing hidden_size, no head_dim",
  "kv heads not dividing heads",
  "unknown model_type",
  "a missing tensor",
  "a tensor of the wrong shape",
  "a truncated file",
  "a huge header length",
  "a header that is not JSON",
  "overlapping byte ranges",
  "an unknown dtype",
  "a sharded index naming a missing shard",
  "a sharded index naming the wrong shard",
  "NaN in a weight",
  "activations that overflow",
  // token ids and text files
  "a non-numeric id",
  "a negative id",
  "an id past the vocabulary",
  "no ids",
  "more ids than the context",
  "a missing text file",
  "an empty text file",
  "a text file that is not UTF-8",
  "a folder given as the text file",
  // flags
  "an unknown flag",
  "a flag without its value",
  "--window 0",
  "a negative --window",
  "an unknown metric",
  "an unknown backend",
  // layer and head lists
  "a layer out of range",
  "a layer listed twice",
  "removing every layer",
  "every head of a layer",
  "a malformed head",
  // output folders
  "--out is the input folder",
  "--out inside the input folder",
  "--out a non-empty folder without --force",
  "--out a file",
  "--out under a file",
]);

/** Commands that must succeed (exit 0) on the fixtures, to show the harness itself works. */
export const SUCCESS_CASES: readonly { name: string; args: (f: Fixtures) => string[]; stdout: RegExp }[] = [
  { name: "info on the unbroken copy", args: (f) => ["info", f.good], stdout: /layers\s+5/ },
  {
    name: "forward with ids",
    args: (f) => ["forward", f.good, "--ids", "1,403,407"],
    stdout: /3 tokens through 5 layers/,
  },
  {
    name: "tokenize text",
    args: (f) => ["tokenize", f.good, "--text", "Once upon a time"],
    stdout: /^1 403 407 261 378\n$/,
  },
  {
    name: "prune into a new folder",
    args: (f) => ["prune", f.good, "--out", join(f.root, "pruned-ok"), "--layers", "3"],
    stdout: /4 layers left/,
  },
  {
    name: "forward --out into a folder not made yet",
    args: (f) => ["forward", f.good, "--ids", "1,2", "--out", join(f.root, "new-folder", "dump.safetensors")],
    stdout: /2 tokens through 5 layers/,
  },
];
