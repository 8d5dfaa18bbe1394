#!/usr/bin/env bash
# Trains tinystories512.model with Debian's SentencePiece (spm_train 0.1.97): a 512-piece BPE
# model with byte fallback, with llama2.c's `tinystories.py train_vocab` settings and Llama 2's
# normalizer (identity rule, remove_extra_whitespaces off). See ../PROVENANCE.md.
# Usage, from testdata/tokenizers/: bash peers/train_tinystories512.sh /path/to/shared/data/tinystories/tinystories_val.txt
set -euo pipefail
input="${1:-../../../shared/data/tinystories/tinystories_val.txt}"
tmp="$(mktemp -d)"
spm_train --input="$input" --model_prefix="$tmp/tinystories512" --model_type=bpe --vocab_size=512 \
  --self_test_sample_size=0 --input_format=text --character_coverage=1.0 --num_threads=2 \
  --split_digits=true --allow_whitespace_only_pieces=true --byte_fallback=true \
  --unk_surface=" \342\201\207 " --normalization_rule_name=identity --remove_extra_whitespaces=false
cp "$tmp/tinystories512.model" tinystories512.model
sha256sum tinystories512.model
