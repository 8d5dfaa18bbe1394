import assert from "node:assert/strict";
import { UserError } from "../../errors.ts";
import { readRawConfig } from "../../io/config_json.ts";
import { modelDir } from "../../testing/golden.ts";
import { test } from "../../testing/harness.ts";
import { type RawLlamaConfig, resolveLlamaConfig } from "./config.ts";

const raw = readRawConfig(modelDir("stories260K")) as RawLlamaConfig;

test("resolveLlamaConfig() rejects an unknown rope_scaling type as a user error, naming the supported ones", () => {
  for (const rope_scaling of [{ rope_type: "yarn", factor: 4 }, { type: "dynamic", factor: 2 }]) {
    assert.throws(
      () => resolveLlamaConfig({ ...raw, rope_scaling }),
      (e: unknown) =>
        e instanceof UserError && e.message.includes(`"${rope_scaling.rope_type ?? rope_scaling.type}"`) &&
        e.message.includes('"llama3"') && e.message.includes('"linear"'),
    );
  }
});

test("resolveLlamaConfig() says which rope_scaling field is missing or not a number", () => {
  assert.throws(
    () =>
      resolveLlamaConfig({
        ...raw,
        rope_scaling: { rope_type: "llama3", factor: 8, low_freq_factor: 1, high_freq_factor: 4 },
      }),
    (e: unknown) => e instanceof UserError && e.message.includes("original_max_position_embeddings"),
  );
  assert.throws(
    () => resolveLlamaConfig({ ...raw, rope_scaling: { type: "linear", factor: "2" as unknown as number } }),
    (e: unknown) =>
      e instanceof UserError && e.message === 'rope_scaling of type "linear" needs a numeric "factor", got "2"',
  );
});

test("resolveLlamaConfig() keeps a usable rope_scaling and ignores it on ALiBi models", () => {
  const linear = { type: "linear", factor: 2 };
  assert.deepEqual(resolveLlamaConfig({ ...raw, rope_scaling: linear }).ropeScaling, linear);
  const alibi = { ...raw, model_type: "baichuan", position_embedding: "alibi", rope_scaling: { rope_type: "yarn" } };
  assert.equal(resolveLlamaConfig(alibi).positionEmbedding, "alibi");
});
