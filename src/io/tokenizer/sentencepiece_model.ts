/**
 * Reads a SentencePiece `tokenizer.model` (a protobuf `ModelProto`) into a plain object.
 *
 * Only the fields a BPE encoder needs are read (field numbers from SentencePiece's
 * `sentencepiece_model.proto`); unknown fields are skipped, as protobuf readers do:
 *
 * | message | fields read |
 * |---|---|
 * | ModelProto | 1 pieces, 2 trainer_spec, 3 normalizer_spec |
 * | SentencePiece | 1 piece, 2 score, 3 type |
 * | TrainerSpec | 3 model_type, 24 treat_whitespace_as_suffix, 35 byte_fallback, 40-43 unk/bos/eos/pad id, 44 unk_surface |
 * | NormalizerSpec | 1 name, 2 precompiled_charsmap, 3 add_dummy_prefix, 4 remove_extra_whitespaces, 5 escape_whitespaces |
 *
 * @module
 */

import { UserError } from "../../errors.ts";
import { type Field, float32, int32, ProtobufError, readFields, string } from "./_protobuf.ts";

/** `SentencePiece.Type` of the proto. */
export const PieceType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

/** `TrainerSpec.ModelType` of the proto. */
export const ModelType = { UNIGRAM: 1, BPE: 2, WORD: 3, CHAR: 4 } as const;

/** One vocabulary entry. */
export interface SentencePiece {
  piece: string;
  score: number;
  type: number;
}

/** The parts of a `ModelProto` that encoding and decoding use, with the proto's defaults filled in. */
export interface SentencePieceModel {
  pieces: SentencePiece[];
  modelType: number;
  byteFallback: boolean;
  treatWhitespaceAsSuffix: boolean;
  unkId: number;
  bosId: number;
  eosId: number;
  padId: number;
  /** Text that `decode()` writes for the unknown piece (default " ⁇ "). */
  unkSurface: string;
  normalizer: {
    name: string;
    /** Bytes of the compiled normalization rules; empty for the "identity" rule (Llama 2). */
    precompiledCharsmapLength: number;
    addDummyPrefix: boolean;
    removeExtraWhitespaces: boolean;
    escapeWhitespaces: boolean;
  };
}

const bool = (f: Field) => f.int !== 0;

/**
 * Parses the bytes of a SentencePiece model file.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * const model = parseSentencePieceModel(readFileSync("tok105.model"), "tok105.model");
 * model.pieces[3]; // { piece: "▁", score: -0, type: 1 }
 * ```
 */
export function parseSentencePieceModel(bytes: Uint8Array, name = "tokenizer.model"): SentencePieceModel {
  const model: SentencePieceModel = {
    pieces: [],
    modelType: ModelType.UNIGRAM,
    byteFallback: false,
    treatWhitespaceAsSuffix: false,
    unkId: 0,
    bosId: 1,
    eosId: 2,
    padId: -1,
    unkSurface: " \u2047 ",
    normalizer: {
      name: "",
      precompiledCharsmapLength: 0,
      addDummyPrefix: true,
      removeExtraWhitespaces: true,
      escapeWhitespaces: true,
    },
  };
  try {
    for (const f of readFields(bytes)) {
      if (f.wireType !== 2) continue;
      if (f.number === 1) model.pieces.push(readPiece(f.bytes));
      else if (f.number === 2) readTrainerSpec(f.bytes, model);
      else if (f.number === 3) readNormalizerSpec(f.bytes, model.normalizer);
    }
  } catch (e) {
    if (!(e instanceof ProtobufError)) throw e;
    throw new UserError(
      `Cannot read SentencePiece model "${name}": ${e.message}; the file is corrupt or not a SentencePiece model`,
    );
  }
  if (model.pieces.length === 0) {
    throw new UserError(
      `Cannot read SentencePiece model "${name}": it holds no pieces; the file is not a SentencePiece model`,
    );
  }
  return model;
}

function readPiece(bytes: Uint8Array): SentencePiece {
  const p: SentencePiece = { piece: "", score: 0, type: PieceType.NORMAL };
  for (const f of readFields(bytes)) {
    if (f.number === 1 && f.wireType === 2) p.piece = string(f);
    else if (f.number === 2 && f.wireType === 5) p.score = float32(f);
    else if (f.number === 3 && f.wireType === 0) p.type = int32(f);
  }
  return p;
}

function readTrainerSpec(bytes: Uint8Array, m: SentencePieceModel): void {
  for (const f of readFields(bytes)) {
    if (f.wireType === 2 && f.number === 44) m.unkSurface = string(f);
    if (f.wireType !== 0) continue;
    if (f.number === 3) m.modelType = int32(f);
    else if (f.number === 24) m.treatWhitespaceAsSuffix = bool(f);
    else if (f.number === 35) m.byteFallback = bool(f);
    else if (f.number === 40) m.unkId = int32(f);
    else if (f.number === 41) m.bosId = int32(f);
    else if (f.number === 42) m.eosId = int32(f);
    else if (f.number === 43) m.padId = int32(f);
  }
}

function readNormalizerSpec(bytes: Uint8Array, n: SentencePieceModel["normalizer"]): void {
  for (const f of readFields(bytes)) {
    if (f.number === 1 && f.wireType === 2) n.name = string(f);
    else if (f.number === 2 && f.wireType === 2) n.precompiledCharsmapLength = f.bytes.length;
    else if (f.wireType !== 0) continue;
    else if (f.number === 3) n.addDummyPrefix = bool(f);
    else if (f.number === 4) n.removeExtraWhitespaces = bool(f);
    else if (f.number === 5) n.escapeWhitespaces = bool(f);
  }
}
