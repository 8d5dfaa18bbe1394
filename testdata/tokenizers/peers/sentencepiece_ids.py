"""Expected ids from SentencePiece itself (Debian's python3-sentencepiece) for texts.json.

Usage, from testdata/tokenizers/: /usr/bin/python3 peers/sentencepiece_ids.py (see ../PROVENANCE.md).
Writes sp_<model>_ids.json: per text the ids of sp.encode(text) (no BOS; our tokenizer adds
BOS = bos_id in front by default, as Llama does) and sp.decode(ids); plus decode-only cases.
"""
import json, os, hashlib
import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "../../models")  # the repo copies of ../shared/models
texts = json.load(open(os.path.join(HERE, "../texts.json"), encoding="utf-8"))

for name, path in [("tok105", os.path.join(MODELS, "babyllama105/original/tok105.model")),
                   ("tinystories512", os.path.join(HERE, "../tinystories512.model"))]:
    sp = spm.SentencePieceProcessor(model_file=path)
    cases = []
    for t in texts:
        ids = sp.encode(t)
        cases.append({"text": t, "ids": ids, "decoded": sp.decode(ids)})
    # Decode-only cases: byte pieces forming invalid UTF-8, control ids, unk.
    byte = lambda b: sp.piece_to_id("<0x%02X>" % b)
    decode_cases = []
    seqs = [[sp.bos_id(), sp.piece_to_id("▁a"), sp.eos_id()], [sp.unk_id()], [sp.piece_to_id("▁")],
            [sp.piece_to_id("▁"), sp.piece_to_id("▁")]]
    if sp.piece_to_id("<0x41>") != sp.unk_id():
        seqs += [[byte(0xE2), byte(0x82), byte(0xAC)], [byte(0xE2), byte(0x82)], [byte(0xFF)],
                 [byte(0xE2), byte(0x82), sp.piece_to_id("a"), byte(0xC3), byte(0xA9)], [byte(0x20), byte(0x41)]]
    for ids in seqs:
        if min(ids) >= 0:
            decode_cases.append({"ids": ids, "decoded": sp.decode(ids)})
    doc = {"model": os.path.relpath(path, os.path.join(HERE, "..")),
           "sha256": hashlib.sha256(open(path, "rb").read()).hexdigest(),
           "peer": "sentencepiece %s (Debian python3-sentencepiece), SentencePieceProcessor.encode / decode" % spm.__version__,
           "bos_id": sp.bos_id(), "eos_id": sp.eos_id(), "unk_id": sp.unk_id(), "vocab_size": sp.get_piece_size(),
           "cases": cases, "decode_cases": decode_cases}
    with open(os.path.join(HERE, "../sp_%s_ids.json" % name), "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=True, indent=1)
    print(name, len(cases), len(decode_cases))
