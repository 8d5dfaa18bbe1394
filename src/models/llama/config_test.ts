import assert from "node:assert/strict";
import { UserError } from "../../errors.ts";
import { readRawConfig } from "../../io/config_json.ts";
import { modelDir } from "../../testing/golden.ts";
import { test } from "../../testing/harness.ts";
import { type RawLlamaConfig, resolveLlamaConfig } from "./config.ts";

const raw = readRawConfig(modelDir("stories260K")) as RawLlamaConfig;

test("resolveLlamaConfig() rejects a rope type it does not compute as a user error, naming the supported ones", () => {
  for (const rope_scaling of [{ rope_type: "su", factor: 4 }, { type: "ntk", factor: 2 }]) {
    assert.throws(
      () => resolveLlamaConfig({ ...raw, rope_scaling }),
      (e: unknown) =>
        e instanceof UserError && e.message.includes(`"${rope_scaling.rope_type ?? rope_scaling.type}"`) &&
        e.message.includes("llama3") && e.message.includes("yarn"),
    );
  }
});

test("resolveLlamaConfig() says which rope_scaling field is missing or not a number", () => {
  assert.throws(
    () => resolveLlamaConfig({ ...raw, rope_scaling: { rope_type: "llama3", factor: 8, low_freq_factor: 1 } }),
    (e: unknown) => e instanceof UserError && e.message.includes('"rope_scaling.high_freq_factor" is missing'),
  );
  assert.throws(
    () => resolveLlamaConfig({ ...raw, rope_scaling: { type: "linear", factor: "2" as unknown as number } }),
    (e: unknown) =>
      e instanceof UserError &&
      e.message === 'config.json: "rope_scaling.factor" is "2"; rope type "linear" needs a positive number',
  );
  // Absent original_max_position_embeddings is max_position_embeddings, as transformers v5's standardize_rope_params.
  const llama3 = { rope_type: "llama3", factor: 8, low_freq_factor: 1, high_freq_factor: 4 };
  const cfg = resolveLlamaConfig({ ...raw, rope_scaling: llama3 });
  assert.equal(cfg.rope!.scaling!.original_max_position_embeddings, raw.max_position_embeddings);
});

test("resolveLlamaConfig() keeps a usable rope_scaling and ignores it on ALiBi models", () => {
  const linear = { type: "linear", factor: 2 };
  assert.deepEqual(resolveLlamaConfig({ ...raw, rope_scaling: linear }).rope!.scaling, {
    rope_type: "linear",
    factor: 2,
  });
  const alibi = { ...raw, model_type: "baichuan", position_embedding: "alibi", rope_scaling: { rope_type: "su" } };
  assert.equal(resolveLlamaConfig(alibi).positionEmbedding, "alibi");
  assert.equal(resolveLlamaConfig(alibi).rope, null);
});
