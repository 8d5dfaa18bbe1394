import json, os
L2 = lambda **kw: kw
base_llama2 = {"architectures": ["LlamaForCausalLM"], "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu",
  "initializer_range": 0.02, "model_type": "llama", "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": None,
  "tie_word_embeddings": False, "torch_dtype": "float16", "transformers_version": "4.32.0.dev0", "use_cache": True, "vocab_size": 32000,
  "attention_bias": False, "rope_theta": 10000.0, "max_position_embeddings": 4096}
C = {}
C["llama-2-7b"] = {**base_llama2, "hidden_size": 4096, "intermediate_size": 11008, "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 32, "_name_or_path": "meta-llama/Llama-2-7b-hf"}
C["llama-2-13b"] = {**base_llama2, "hidden_size": 5120, "intermediate_size": 13824, "num_attention_heads": 40, "num_hidden_layers": 40, "num_key_value_heads": 40, "_name_or_path": "meta-llama/Llama-2-13b-hf"}
l3 = {"architectures": ["LlamaForCausalLM"], "attention_bias": False, "attention_dropout": 0.0, "bos_token_id": 128000, "eos_token_id": 128001,
  "hidden_act": "silu", "initializer_range": 0.02, "model_type": "llama", "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_theta": 500000.0,
  "torch_dtype": "bfloat16", "use_cache": True, "vocab_size": 128256}
C["llama-3-8b"] = {**l3, "hidden_size": 4096, "intermediate_size": 14336, "max_position_embeddings": 8192, "num_attention_heads": 32,
  "num_hidden_layers": 32, "num_key_value_heads": 8, "rope_scaling": None, "tie_word_embeddings": False, "transformers_version": "4.40.0.dev0"}
r31 = {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192, "rope_type": "llama3"}
C["llama-3.1-8b"] = {**l3, "hidden_size": 4096, "intermediate_size": 14336, "max_position_embeddings": 131072, "mlp_bias": False, "num_attention_heads": 32,
  "num_hidden_layers": 32, "num_key_value_heads": 8, "rope_scaling": r31, "tie_word_embeddings": False, "transformers_version": "4.43.0.dev0"}
r32 = {**r31, "factor": 32.0}
C["llama-3.2-1b"] = {**l3, "head_dim": 64, "hidden_size": 2048, "intermediate_size": 8192, "max_position_embeddings": 131072, "mlp_bias": False,
  "num_attention_heads": 32, "num_hidden_layers": 16, "num_key_value_heads": 8, "rope_scaling": r32, "tie_word_embeddings": True, "transformers_version": "4.45.0.dev0"}
C["llama-3.2-3b"] = {**l3, "head_dim": 128, "hidden_size": 3072, "intermediate_size": 8192, "max_position_embeddings": 131072, "mlp_bias": False,
  "num_attention_heads": 24, "num_hidden_layers": 28, "num_key_value_heads": 8, "rope_scaling": r32, "tie_word_embeddings": True, "transformers_version": "4.45.0.dev0"}
C["tinyllama-1.1b"] = {"architectures": ["LlamaForCausalLM"], "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu", "hidden_size": 2048,
  "initializer_range": 0.02, "intermediate_size": 5632, "max_position_embeddings": 2048, "model_type": "llama", "num_attention_heads": 32,
  "num_hidden_layers": 22, "num_key_value_heads": 4, "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": None, "tie_word_embeddings": False,
  "torch_dtype": "float32", "transformers_version": "4.31.0.dev0", "use_cache": True, "vocab_size": 32000}
mis = {"architectures": ["MistralForCausalLM"], "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu", "hidden_size": 4096,
  "initializer_range": 0.02, "intermediate_size": 14336, "max_position_embeddings": 32768, "model_type": "mistral", "num_attention_heads": 32,
  "num_hidden_layers": 32, "num_key_value_heads": 8, "rms_norm_eps": 1e-05, "tie_word_embeddings": False, "torch_dtype": "bfloat16", "use_cache": True}
C["mistral-7b-v0.1"] = {**mis, "rope_theta": 10000.0, "sliding_window": 4096, "transformers_version": "4.34.0.dev0", "vocab_size": 32000}
C["mistral-7b-v0.3"] = {**mis, "rope_theta": 1000000.0, "sliding_window": None, "transformers_version": "4.42.0.dev0", "vocab_size": 32768}
qw = {"architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643, "eos_token_id": 151643, "hidden_act": "silu",
  "initializer_range": 0.02, "model_type": "qwen2", "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "torch_dtype": "bfloat16", "use_cache": True,
  "use_sliding_window": False}
C["qwen2-0.5b"] = {**qw, "hidden_size": 896, "intermediate_size": 4864, "max_position_embeddings": 131072, "max_window_layers": 24, "num_attention_heads": 14,
  "num_hidden_layers": 24, "num_key_value_heads": 2, "sliding_window": 131072, "tie_word_embeddings": True, "transformers_version": "4.40.1", "vocab_size": 151936}
C["qwen2-7b"] = {**qw, "hidden_size": 3584, "intermediate_size": 18944, "max_position_embeddings": 131072, "max_window_layers": 28, "num_attention_heads": 28,
  "num_hidden_layers": 28, "num_key_value_heads": 4, "sliding_window": 131072, "tie_word_embeddings": False, "transformers_version": "4.41.2", "vocab_size": 152064}
C["qwen2.5-0.5b"] = {**qw, "hidden_size": 896, "intermediate_size": 4864, "max_position_embeddings": 32768, "max_window_layers": 24, "num_attention_heads": 14,
  "num_hidden_layers": 24, "num_key_value_heads": 2, "sliding_window": 32768, "tie_word_embeddings": True, "transformers_version": "4.40.1", "vocab_size": 151936}
C["qwen2.5-1.5b-instruct"] = {**qw, "eos_token_id": 151645, "hidden_size": 1536, "intermediate_size": 8960, "max_position_embeddings": 32768, "max_window_layers": 21,
  "num_attention_heads": 12, "num_hidden_layers": 28, "num_key_value_heads": 2, "sliding_window": 32768, "tie_word_embeddings": True,
  "transformers_version": "4.43.1", "vocab_size": 151936}
C["qwen2.5-7b"] = {**qw, "hidden_size": 3584, "intermediate_size": 18944, "max_position_embeddings": 131072, "max_window_layers": 28, "num_attention_heads": 28,
  "num_hidden_layers": 28, "num_key_value_heads": 4, "sliding_window": 131072, "tie_word_embeddings": False, "transformers_version": "4.40.1", "vocab_size": 152064}
C["qwen2.5-7b-instruct-yarn"] = {**C["qwen2.5-7b"], "eos_token_id": 151645, "max_position_embeddings": 32768, "sliding_window": 131072,
  "rope_scaling": {"factor": 4.0, "original_max_position_embeddings": 32768, "type": "yarn"}, "transformers_version": "4.43.1"}
C["qwen2.5-14b"] = {**qw, "hidden_size": 5120, "intermediate_size": 13824, "max_position_embeddings": 131072, "max_window_layers": 48, "num_attention_heads": 40,
  "num_hidden_layers": 48, "num_key_value_heads": 8, "sliding_window": 131072, "tie_word_embeddings": False, "transformers_version": "4.43.1", "vocab_size": 152064}
bc = {"architectures": ["BaichuanForCausalLM"], "auto_map": {"AutoConfig": "configuration_baichuan.BaichuanConfig", "AutoModelForCausalLM": "modeling_baichuan.BaichuanForCausalLM"},
  "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu", "initializer_range": 0.02, "model_max_length": 4096, "model_type": "baichuan",
  "pad_token_id": 0, "rms_norm_eps": 1e-06, "_from_model_config": True, "tie_word_embeddings": False, "torch_dtype": "bfloat16",
  "transformers_version": "4.29.2", "use_cache": True, "vocab_size": 125696, "z_loss_weight": 0}
C["baichuan2-7b"] = {**bc, "hidden_size": 4096, "intermediate_size": 11008, "max_position_embeddings": 4096, "num_attention_heads": 32, "num_hidden_layers": 32}
C["baichuan2-13b"] = {**bc, "hidden_size": 5120, "intermediate_size": 13696, "num_attention_heads": 40, "num_hidden_layers": 40,
  "auto_map": {"AutoConfig": "configuration_baichuan.BaichuanConfig", "AutoModelForCausalLM": "modeling_baichuan.BaichuanForCausalLM"}}
sm = {"architectures": ["LlamaForCausalLM"], "attention_bias": False, "attention_dropout": 0.0, "hidden_act": "silu", "initializer_range": 0.02,
  "is_llama_config": True, "model_type": "llama", "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_interleaved": False, "rope_scaling": None,
  "tie_word_embeddings": True, "torch_dtype": "bfloat16", "use_cache": True, "vocab_size": 49152}
C["smollm2-135m"] = {**sm, "bos_token_id": 0, "eos_token_id": 0, "hidden_size": 576, "initializer_range": 0.041666666666666664, "intermediate_size": 1536,
  "max_position_embeddings": 8192, "num_attention_heads": 9, "num_hidden_layers": 30, "num_key_value_heads": 3, "rope_theta": 100000, "transformers_version": "4.40.1"}
C["smollm2-1.7b-instruct"] = {**sm, "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 2, "hidden_size": 2048, "intermediate_size": 8192, "max_position_embeddings": 8192,
  "num_attention_heads": 32, "num_hidden_layers": 24, "num_key_value_heads": 32, "rope_theta": 130000, "transformers_version": "4.42.3"}
C["vicuna-7b-v1.5-16k"] = {**C["llama-2-7b"], "_name_or_path": "lmsys/vicuna-7b-v1.5-16k", "max_position_embeddings": 4096, "rope_scaling": {"factor": 4.0, "type": "linear"},
  "torch_dtype": "float16", "pad_token_id": 0}
for n, c in C.items():
    with open(f"v4/{n}.json", "w") as f: json.dump(c, f, indent=2, sort_keys=True); f.write("\n")

# transformers v5 re-save (rules: configuration_utils.PreTrainedConfig + modeling_rope_utils.RotaryEmbeddingConfigMixin)
V5 = {"llama", "mistral", "qwen2"}  # baichuan is remote code: its own config class, not standardized
for n, c in C.items():
    if c["model_type"] not in V5: continue
    v = dict(c)
    rs = v.pop("rope_scaling", None) or {}
    theta = v.pop("rope_theta", 10000.0)
    rp = dict(rs)
    if "type" in rp and "rope_type" not in rp: rp["rope_type"] = rp.pop("type")
    rp.setdefault("rope_type", "default")
    rp.setdefault("rope_theta", float(theta) if isinstance(theta, float) else theta)
    if rp["rope_type"] in ("llama3", "yarn", "longrope"):
        rp.setdefault("original_max_position_embeddings", v["max_position_embeddings"])
    v["rope_parameters"] = rp
    if "torch_dtype" in v: v["dtype"] = v.pop("torch_dtype")
    if v["model_type"] == "qwen2":
        if not v.get("use_sliding_window", False): v["sliding_window"] = None
        v["layer_types"] = ["sliding_attention" if v["sliding_window"] is not None and i >= v["max_window_layers"] else "full_attention" for i in range(v["num_hidden_layers"])]
    v.setdefault("pad_token_id", None)
    v["transformers_version"] = "5.0.0"
    with open(f"v5/{n}.json", "w") as f: json.dump(v, f, indent=2, sort_keys=True); f.write("\n")
print(len(C), len(os.listdir("v5")))
