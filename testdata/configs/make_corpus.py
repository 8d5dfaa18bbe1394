# Builds what in this corpus is not a published file (run `python3 make_corpus.py` from this folder).
# Sources of every file: PROVENANCE.md.
#   v4/*.json  published config.json files, stored verbatim and never written here, except
#              RECONSTRUCTED (no published copy was found; values stated below) and
#              DERIVED (a verbatim file with the change its model card tells users to make).
#   v5/*.json  every v4 file as transformers v5 re-saves it (rules at the end).
import json, os

VERBATIM = {
    "llama-2-7b", "llama-2-13b", "llama-3-8b", "llama-3.1-8b", "llama-3.2-1b", "llama-3.2-3b",
    "tinyllama-1.1b-chat-v1.0", "mistral-7b-v0.1", "mistral-7b-instruct-v0.3", "qwen2-0.5b", "qwen2-7b",
    "qwen2.5-0.5b", "qwen2.5-1.5b-instruct", "qwen2.5-7b", "qwen2.5-7b-instruct", "qwen2.5-14b",
    "smollm2-135m", "smollm2-1.7b-instruct",
}

def read(name):
    with open(f"v4/{name}.json") as f:
        return json.load(f)

def write(path, config):
    with open(path, "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")

RECONSTRUCTED = {}
bc = {"architectures": ["BaichuanForCausalLM"], "auto_map": {"AutoConfig": "configuration_baichuan.BaichuanConfig", "AutoModelForCausalLM": "modeling_baichuan.BaichuanForCausalLM"},
  "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu", "initializer_range": 0.02, "model_max_length": 4096, "model_type": "baichuan",
  "pad_token_id": 0, "rms_norm_eps": 1e-06, "_from_model_config": True, "tie_word_embeddings": False, "torch_dtype": "bfloat16",
  "transformers_version": "4.29.2", "use_cache": True, "vocab_size": 125696, "z_loss_weight": 0}
RECONSTRUCTED["baichuan2-7b"] = {**bc, "hidden_size": 4096, "intermediate_size": 11008, "max_position_embeddings": 4096, "num_attention_heads": 32, "num_hidden_layers": 32}
RECONSTRUCTED["baichuan2-13b"] = {**bc, "hidden_size": 5120, "intermediate_size": 13696, "num_attention_heads": 40, "num_hidden_layers": 40}
RECONSTRUCTED["vicuna-7b-v1.5-16k"] = {**read("llama-2-7b"), "_name_or_path": "lmsys/vicuna-7b-v1.5-16k", "attention_bias": False, "pad_token_id": 0,
  "rope_scaling": {"factor": 4.0, "type": "linear"}, "rope_theta": 10000.0, "transformers_version": "4.32.0.dev0"}
for name, config in RECONSTRUCTED.items():
    write(f"v4/{name}.json", config)

# Qwen2.5-7B-Instruct with the YaRN block its model card tells users to add to config.json.
yarn = read("qwen2.5-7b-instruct")
yarn["rope_scaling"] = {"factor": 4.0, "original_max_position_embeddings": 32768, "type": "yarn"}
write("v4/qwen2.5-7b-instruct-yarn.json", yarn)

names = sorted(f[:-len(".json")] for f in os.listdir("v4"))
assert set(names) == VERBATIM | set(RECONSTRUCTED) | {"qwen2.5-7b-instruct-yarn"}, names

# transformers v5 re-save (rules: configuration_utils.PreTrainedConfig + modeling_rope_utils.RotaryEmbeddingConfigMixin)
V5 = {"llama", "mistral", "qwen2"}  # baichuan is remote code: its own config class, not standardized
for n in names:
    c = read(n)
    if c["model_type"] not in V5: continue
    v = dict(c)
    rs = v.pop("rope_scaling", None) or {}
    theta = v.pop("rope_theta", 10000.0)
    rp = dict(rs)
    if "type" in rp and "rope_type" not in rp: rp["rope_type"] = rp.pop("type")
    rp.setdefault("rope_type", "default")
    rp.setdefault("rope_theta", theta)
    if rp["rope_type"] in ("llama3", "yarn", "longrope"):
        rp.setdefault("original_max_position_embeddings", v["max_position_embeddings"])
    v["rope_parameters"] = rp
    if "torch_dtype" in v: v["dtype"] = v.pop("torch_dtype")
    if v["model_type"] == "qwen2":
        if not v.get("use_sliding_window", False): v["sliding_window"] = None
        v["layer_types"] = ["sliding_attention" if v["sliding_window"] is not None and i >= v["max_window_layers"] else "full_attention" for i in range(v["num_hidden_layers"])]
    v.setdefault("pad_token_id", None)
    v["transformers_version"] = "5.0.0"
    write(f"v5/{n}.json", v)
print(len(names), len(os.listdir("v5")))
