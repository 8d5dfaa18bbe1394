// Peer for the llama2.c tokenizer: llama2.c's own run.c (karpathy/llama2.c, MIT; not copied
// into this repository), compiled with TESTING defined so that its main() is left out, as
// llama2.c's test.c does, plus a main that prints encode()'s ids for each text.
// Build: gcc -O2 -I /path/to/llama2.c -o llama2c_encode peers/llama2c_encode.c -lm
// Run:   llama2c_encode TOKENIZER.bin VOCAB_SIZE TEXTS.bin   (TEXTS.bin: NUL-terminated UTF-8 texts)
// It prints one JSON array of ids per text, BOS=1 prepended, no EOS. See ../PROVENANCE.md.
#define TESTING
#include "run.c"

int main(int argc, char** argv) {
    if (argc != 4) { fprintf(stderr, "usage: %s tokenizer.bin vocab_size texts.bin\n", argv[0]); return 1; }
    Tokenizer t;
    build_tokenizer(&t, argv[1], atoi(argv[2]));
    FILE* f = fopen(argv[3], "rb");
    if (!f) { fprintf(stderr, "cannot open %s\n", argv[3]); return 1; }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char* buf = malloc(n + 1);
    if (fread(buf, 1, n, f) != (size_t)n) { fprintf(stderr, "failed read\n"); return 1; }
    buf[n] = '\0';
    int* tokens = malloc((n + 3) * sizeof(int));
    for (char* text = buf; text < buf + n; text += strlen(text) + 1) {
        int n_tokens;
        encode(&t, text, 1, 0, tokens, &n_tokens);
        printf("[");
        for (int i = 0; i < n_tokens; i++) printf(i ? ",%d" : "%d", tokens[i]);
        printf("]\n");
    }
    free_tokenizer(&t);
    return 0;
}
