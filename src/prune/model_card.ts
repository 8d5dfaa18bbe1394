/**
 * The model card (README.md) of every folder shortgpt writes: Hugging Face front matter with
 * `base_model:` (the Hub's model tree reads it), then what was removed, by which metric, on
 * what calibration text, and how to load the folder. The input's own card describes a model
 * that no longer exists here, so it is not copied.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { RawConfig } from "../io/config_json.ts";
import { version } from "../version.ts";

/** What a card says about the change. */
export interface CardFacts {
  /** Layers removed by this run, in the original checkpoint's numbering. */
  removedLayers?: readonly number[];
  /** Heads removed by this run, `[layer, head]` in the original numbering, and how. */
  removedHeads?: readonly (readonly [number, number])[];
  headMode?: string;
  /** Layers left. */
  layers: number;
  metric?: string | null;
  /** Where the scores came from: which text calibrated them (e.g. `wikitext-2 test, 8 windows × 128`). */
  calibration?: string | null;
}

/**
 * The model the input folder came from, as the Hub names it: the input card's `base_model:`
 * when the input is itself a pruned folder of ours, else config.json's `_name_or_path` when it
 * looks like a Hub id (`owner/name`), else the input folder's name.
 */
export function baseModelOf(srcDir: string, raw: RawConfig): string {
  const name = raw._name_or_path;
  if (typeof name === "string" && /^[\w.-]+\/[\w.-]+$/.test(name)) return name;
  const card = join(srcDir, "README.md");
  if (raw.shortgpt && existsSync(card)) {
    const m = /^---\n[\s\S]*?^base_model:\s*(\S+)\s*$[\s\S]*?^---$/m.exec(readFileSync(card, "utf8"));
    if (m) return m[1];
  }
  return basename(resolve(srcDir));
}

const list = (xs: readonly unknown[]) => xs.map((x) => Array.isArray(x) ? `${x[0]}:${x[1]}` : String(x)).join(", ");

/** README.md for a folder written from `srcDir`. */
export function modelCard(srcDir: string, raw: RawConfig, facts: CardFacts): string {
  const base = baseModelOf(srcDir, raw);
  const lines = [
    "---",
    `base_model: ${base}`,
    "library_name: transformers",
    "tags:",
    "  - shortgpt",
    "  - pruned",
    "---",
    "",
    `# ${base}, pruned by shortgpt`,
    "",
    `Made from \`${basename(resolve(srcDir))}\` by shortgpt ${version} ` +
    `(ShortGPT, Men et al., arXiv 2403.03853); ${facts.layers} layers remain.`,
    "",
  ];
  if (facts.removedLayers?.length) {
    lines.push(`- Layers removed (original numbering): ${list(facts.removedLayers)}.`);
  }
  if (facts.removedHeads?.length) {
    lines.push(
      `- Attention heads removed (layer:head, original numbering): ${list(facts.removedHeads)}` +
        ` (${facts.headMode === "mask" ? "masked: their o_proj columns are zero, shapes unchanged" : "physically"}).`,
    );
  }
  lines.push(
    `- Chosen by: ${facts.metric ? `the lowest ${facts.metric} scores` : "a list given by hand"}.`,
    `- Calibration: ${facts.calibration ?? (facts.metric ? "not recorded" : "none (no scores were computed)")}.`,
    "",
    "config.json's `shortgpt` block records the same in machine-readable form. Load with",
    "`AutoModelForCausalLM.from_pretrained(<this folder>)` or `shortgpt info <this folder>`;",
    "quality after pruning is not measured here: evaluate before use.",
    "",
  );
  return lines.join("\n");
}
