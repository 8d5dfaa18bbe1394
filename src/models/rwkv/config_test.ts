import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { cpu } from "../../backend/cpu.ts";
import type { Ops } from "../../backend/ops.ts";
import { UserError } from "../../errors.ts";
import type { RawConfig } from "../../io/config_json.ts";
import { test } from "../../testing/harness.ts";
import { loadModel } from "../load.ts";
import { RWKV_MODELS } from "./_fixtures.ts";
import { resolveRwkvConfig } from "./config.ts";

const raw = (name: string): RawConfig => JSON.parse(readFileSync(`testdata/models/${name}/config.json`, "utf8"));
const v52 = () => raw("tiny-rwkv-5v2-730K");

function throwsUserError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof UserError && pattern.test(e.message));
}

test("resolveRwkvConfig() reads every test model's config.json as PROVENANCE.md describes it", () => {
  const cfgs = RWKV_MODELS.map((m) => resolveRwkvConfig(raw(m)));
  assert.deepEqual(cfgs.map((c) => c.version), ["4.0", "5.1", "5.2", "6.0", "7.0"]);
  for (const c of cfgs) {
    assert.ok(Object.isFrozen(c));
    assert.equal(c.names, "blinkdl");
    assert.equal(c.rescaleEvery, 0);
    assert.equal(c.layerNormEps, 1e-5);
  }
  const [v4, v51, v52c, v6, v7] = cfgs;
  assert.deepEqual([v4.numLayers, v4.hiddenSize, v4.attSize, v4.ffnSize], [4, 128, 128, 256]);
  assert.ok(v51.version === "5.1" && v51.numHeads === 8 && v51.headSize === 8 && v51.lnXEps === 1e-5);
  assert.ok(v52c.version === "5.2" && v52c.lnXEps === 1e-5);
  assert.ok(v6.version === "6.0" && v6.timeMixExtraDim === 32 && v6.timeDecayExtraDim === 64 && v6.lnXEps === 64e-5);
  assert.ok(v7.version === "7.0" && v7.numHeads === 1 && v7.headSize === 64 && v7.decayLora === 32);
});

test("resolveRwkvConfig() accepts rwkv_version as a JSON number", () => {
  assert.equal(resolveRwkvConfig({ ...v52(), rwkv_version: 5.2 }).version, "5.2");
  assert.equal(resolveRwkvConfig({ ...raw("tiny-rwkv-4v0-660K"), rwkv_version: 4 }).version, "4.0");
});

test("resolveRwkvConfig() names an unsupported rwkv_version and lists the supported ones", () => {
  throwsUserError(
    () => resolveRwkvConfig({ ...v52(), rwkv_version: "5.0" }),
    /"5\.0".*supported: 4\.0, 5\.1, 5\.2, 6\.0, 7\.0/,
  );
});

test("resolveRwkvConfig() says which field is missing or invalid", () => {
  const without = (key: string) => {
    const r = v52();
    delete r[key];
    return r;
  };
  throwsUserError(() => resolveRwkvConfig(without("n_layer")), /"n_layer" is missing/);
  throwsUserError(() => resolveRwkvConfig(without("dim_ffn")), /"dim_ffn" is missing/);
  throwsUserError(() => resolveRwkvConfig(without("ln_x_eps")), /needs "ln_x_eps"/);
  throwsUserError(() => resolveRwkvConfig({ ...v52(), n_head: null, head_size: null }), /needs "head_size"/);
  throwsUserError(() => resolveRwkvConfig({ ...v52(), n_head: 3 }), /must equal dim_att 64/);
  throwsUserError(() => resolveRwkvConfig({ ...v52(), n_embd: -64 }), /"n_embd" is -64; expected a positive integer/);
  throwsUserError(() => resolveRwkvConfig({ ...v52(), ln_x_eps: "small" }), /"ln_x_eps" is "small"/);
  throwsUserError(() => resolveRwkvConfig({ ...v52(), decay_granularity: "per_head" }), /decays per_channel/);
  throwsUserError(() => resolveRwkvConfig({ ...v52(), rescale_every: 6 }), /baked in/);
  throwsUserError(() => resolveRwkvConfig({ ...v52(), bos_token_id: -5 }), /"bos_token_id" is -5; expected a token id/);
  throwsUserError(
    () => resolveRwkvConfig({ ...v52(), eos_token_id: "x" as unknown as number }),
    /"eos_token_id" is "x"; expected a token id/,
  );
  const v6 = raw("tiny-rwkv-6v0-1m");
  delete v6.time_decay_extra_dim;
  throwsUserError(() => resolveRwkvConfig(v6), /"time_decay_extra_dim" is missing/);
  throwsUserError(() => resolveRwkvConfig({ model_type: "rwkv", vocab_size: 256 }), /needs "rwkv_version"/);
});

test("resolveRwkvConfig() reads a Hugging Face RwkvConfig with its defaults", () => {
  const cfg = resolveRwkvConfig({ model_type: "rwkv", hidden_size: 64, num_hidden_layers: 2, vocab_size: 100 });
  assert.deepEqual(
    [cfg.version, cfg.names, cfg.attSize, cfg.ffnSize, cfg.layerNormEps, cfg.rescaleEvery],
    ["4.0", "hf", 64, 256, 1e-5, 6],
  );
});

test("loadModel() refuses RWKV on a backend without RWKV operations, saying to use --backend cpu", () => {
  const bare = { ...cpu, name: "webgpu", rwkv: undefined } as Ops<Float32Array>;
  throwsUserError(
    () => loadModel("testdata/models/tiny-rwkv-7v0-834K", bare),
    /cannot run RWKV models; use --backend cpu/,
  );
});

test("loadModel() gives an RWKV model the rwkv family and no context limit", () => {
  const model = loadModel("testdata/models/tiny-rwkv-6v0-1m");
  assert.equal(model.info.family, "rwkv");
  assert.equal(model.info.maxPositions, Number.MAX_SAFE_INTEGER);
  assert.equal(model.info.vocabSize, 256);
  assert.equal(model.blocks.length, 12);
  assert.deepEqual(model.blocks.map((b) => b.originalIndex), [...Array(12).keys()]);
});
