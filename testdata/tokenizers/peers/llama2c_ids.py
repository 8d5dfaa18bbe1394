"""Runs the llama2.c encode() peer (llama2c_encode.c) over texts.json for tok512.bin and tok105.bin.

Usage, from testdata/tokenizers/: /usr/bin/python3 peers/llama2c_ids.py /path/to/llama2.c
(a checkout of karpathy/llama2.c, whose run.c the peer compiles; see ../PROVENANCE.md).
"""
import json, os, subprocess, sys, tempfile, hashlib

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "../../models")  # the repo copies of ../shared/models
def read_pieces(path, vocab):
    import struct
    b = open(path, "rb").read()
    o, out = 4, set()
    for _ in range(vocab):
        _, n = struct.unpack("<fi", b[o:o + 8])
        out.add(b[o + 8:o + 8 + n])
        o += 8 + n
    return out


texts = json.load(open(os.path.join(HERE, "../texts.json"), encoding="utf-8"))
with tempfile.TemporaryDirectory() as tmp:
    exe = os.path.join(tmp, "llama2c_encode")
    llama2c = sys.argv[1]
    subprocess.run(["gcc", "-O2", "-I", llama2c, "-o", exe, os.path.join(HERE, "llama2c_encode.c"), "-lm"], check=True)
    blob = os.path.join(tmp, "texts.bin")
    for name, path, vocab in [("tok512", "stories260K/tok512.bin", 512), ("tok105", "babyllama105/tok105.bin", 105)]:
        full = os.path.join(MODELS, path)
        pieces = read_pieces(full, vocab)
        # run.c indexes vocab[] with the byte-fallback id byte+3 unchecked: texts that need an id
        # >= vocab_size are undefined behaviour there (tok105 has no byte pieces), so they get no ids.
        ok = [all(ch.encode() in pieces or max(ch.encode()) + 3 < vocab for ch in t) for t in texts]
        with open(blob, "wb") as f:
            for t, good in zip(texts, ok):
                if good:
                    f.write(t.encode("utf-8") + b"\0")
        out = subprocess.run([exe, full, str(vocab), blob], check=True, capture_output=True).stdout.decode()
        it = iter(json.loads(line) for line in out.splitlines())
        ids = [next(it) if good else None for good in ok]
        sha = hashlib.sha256(open(full, "rb").read()).hexdigest()
        doc = {"tokenizer": path, "sha256": sha, "peer": "llama2.c run.c encode(), bos=1 eos=0 (peers/llama2c_encode.c)",
               "cases": [{"text": t, "ids": i} if i is not None else {"text": t, "ids": None, "note": "undefined behaviour in run.c: byte-fallback id >= vocab_size"} for t, i in zip(texts, ids)]}
        with open(os.path.join(HERE, f"../llama2c_{name}_ids.json"), "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=True, indent=1)
        print(name, len(ids))
