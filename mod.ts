/**
 * shortgpt: a readable reference engine for ShortGPT (Men et al., "ShortGPT: Layers in Large
 * Language Models are More Redundant Than You Expect", 2024). Load a Hugging Face model folder,
 * measure each layer's Block Influence, remove the least influential layers, and measure what
 * that costs. Runs unchanged on Deno, Node and Bun.
 *
 * @example
 * ```ts
 * import { computeImportance, loadModel, loadTokenizer, makeWindows, parseMetric, perplexity,
 *   readRawConfig, savePrunedLayers, withoutLayers } from "./mod.ts";
 *
 * const dir = "testdata/models/bytellama-12L";
 * const model = loadModel(dir);
 * const ids = loadTokenizer(dir, readRawConfig(dir)).encode("Once upon a time, there was a little girl.");
 * const windows = makeWindows([ids], 256);
 * const bi = await computeImportance(model, windows, parseMetric("bi"));
 * const before = await perplexity(model, windows);
 * const after = await perplexity(withoutLayers(model, bi.order.slice(0, 2)), windows);
 * savePrunedLayers(dir, "/tmp/bytellama-10L", bi.order.slice(0, 2), { metric: "bi", force: true });
 * ```
 *
 * @module
 */

// Errors
export { UserError } from "./src/errors.ts";

// Tensors and files
export { type DType, fromFloat32, numel, type Tensor, toFloat32 } from "./src/tensor.ts";
export { SafetensorsFile, type TensorInfo } from "./src/io/safetensors.ts";
export { type FileRange, type TensorEntry, writeSafetensors } from "./src/io/safetensors_write.ts";
export { TensorStore } from "./src/io/store.ts";
export type { TensorReader } from "./src/io/tensor_reader.ts";
export { type RawConfig, readRawConfig } from "./src/io/config_json.ts";
export { type EncodeOptions, loadTokenizer, type Tokenizer, type TokenizerConfig } from "./src/io/tokenizer/mod.ts";
export { exportHfTokenizer } from "./src/io/tokenizer/export_hf.ts";
export { type GenerationConfig, readGenerationConfig } from "./src/io/generation_config.ts";

// Models
export {
  type LlamaConfig,
  type RawLlamaConfig,
  resolveLlamaConfig,
  TRANSFORMER_TYPES,
  type TransformerType,
} from "./src/models/llama/config.ts";
export { resolveRope, type RopeConfig, type RopeKind, RotaryTable } from "./src/models/llama/rope.ts";
export { ROPE_KINDS, type RopeScaling } from "./kernels/cpu/rope.ts";
export {
  cpu,
  getMatmulKernel,
  getPrecision,
  getThreads,
  type MatmulKernel,
  type Precision,
  setMatmulKernel,
  setPrecision,
  setThreads,
  stopWorkers,
} from "./src/backend/cpu.ts";
export type { AttentionOptions, Ops, PackedWeight } from "./src/backend/ops.ts";
export type { GptqLinear } from "./kernels/cpu/gptq.ts";
export type { RwkvActivation, RwkvOps } from "./src/backend/rwkv_ops.ts";
export {
  type AdapterInfo,
  createWebGpuOps,
  type Gpu,
  type GpuTensor,
  probeWebGpu,
  selectBackend,
  type WebGpuOps,
  WebGpuUnavailable,
} from "./src/backend/webgpu.ts";
export { type FamilyLoader, loadModel, ModelFolder } from "./src/models/load.ts";
export type { LayerShape, LayerWeights, LinearWeight, LlamaBlock } from "./src/models/llama/model.ts";
export type { Weights } from "./src/models/weights.ts";
export type { Block, CausalLM, ModelInfo, ModelParts, Run } from "./src/models/model.ts";
export { newRun } from "./src/models/model.ts";
export {
  checkIds,
  checkWindows,
  forward,
  type ForwardOptions,
  type ForwardResult,
  hiddenStates,
} from "./src/models/forward.ts";

// The method
export { countTokens, cutWindows, makeWindows } from "./src/calibration.ts";
export {
  computeImportance,
  type ImportanceReport,
  METRICS,
  type MetricSpec,
  observeWindows,
  parseMetric,
  removalOrder,
} from "./src/importance/mod.ts";
export type { Conventions, HiddenStateMetric } from "./src/importance/metric.ts";
export { BlockInfluence } from "./src/importance/block_influence.ts";
export { RelativeMagnitude } from "./src/importance/relative_magnitude.ts";
export { AngularDistance } from "./src/importance/angular.ts";
export { perplexity, type PerplexityResult } from "./src/eval/perplexity.ts";
export { checkLayerList, withoutLayers } from "./src/prune/remove_layers.ts";
export { type PruneProvenance, savePrunedLayers, type SaveSummary } from "./src/prune/save.ts";
export { type FolderEdits, rewriteFolder, type RewriteSummary, type TensorEdit } from "./src/prune/rewrite_folder.ts";
export type { GptqConfig } from "./src/models/gptq.ts";
export { readGptqConfig } from "./src/models/gptq_folder.ts";
export {
  quantizeFolder,
  type QuantizeSpec,
  type QuantizeSummary,
  type WindowStore,
  type WindowStoreFactory,
} from "./src/quantize/quantize.ts";
export {
  sweep,
  SWEEP_METRICS,
  type SweepCurve,
  type SweepMetric,
  type SweepProgress,
  type SweepResult,
} from "./src/experiments/sweep.ts";

// Head removal (paper Sec. 4.2, Fig. 6; docs/heads.md)
export {
  checkHeadList,
  expandKvHeads,
  formatHeadList,
  HEAD_MODES,
  type HeadMode,
  type HeadRef,
  type LayerHeadPlan,
  parseHeadList,
  planHeadRemoval,
  withoutHeads,
} from "./src/prune/remove_heads.ts";
export { type HeadSaveOptions, type HeadSaveSummary, saveHeadPruned } from "./src/prune/remove_heads_save.ts";
export { headSweep, type HeadSweepOptions, type HeadSweepResult } from "./src/experiments/head_sweep.ts";

// Evaluation as lm-evaluation-harness scores it; generation; ShortGPT-gen (docs/evaluation.md, docs/shortgpt_gen.md)
export {
  contextLimit,
  encodePair,
  type EncodePairOptions,
  type LoglikelihoodOptions,
  type LoglikelihoodResult,
  loglikelihoods,
  type TokenRequest,
} from "./src/eval/loglikelihood.ts";
export {
  type Deviation,
  type EvalReport,
  evaluateGreedy,
  evaluateMultipleChoice,
  type GroupResult,
  type ItemScore,
  type McItem,
  meanStderr,
  type OnItem,
  scoreItem,
  summarize,
} from "./src/eval/multiple_choice.ts";
export { type EvaluateOptions, evaluateTask } from "./src/eval/evaluate.ts";
export { findTask, type ReadOptions, type Task, TASKS } from "./src/eval/tasks/mod.ts";
export {
  generate,
  type GenerateOptions,
  type GenerateResult,
  mulberry32,
  pickToken,
  type SamplingOptions,
} from "./src/eval/generate.ts";
export { fillCache, type GenKeys, prefillSkipping } from "./src/eval/shortgpt_gen.ts";
