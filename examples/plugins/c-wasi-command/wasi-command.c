/*
 * `wasi-command`: a WASI *command* module (it has `_start`) that is also an
 * Alloy filter plugin, the shape TinyGo `-target wasi` produces.
 *
 * The host runs `_start` once after instantiation: `main` counts its run,
 * prints a line to stdout and to stderr and ends with exit(0), i.e.
 * proc_exit(0), which is not an error. Afterwards `filter(input)` returns
 * "<main_runs>:<input>", so "1:abc" proves main ran exactly once.
 *
 * Build: clang --target=wasm32-wasi -O2 -o wasi-command.wasm wasi-command.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int main_runs = 0;
static char *output = NULL; /* the last result, freed on the next call */

__attribute__((export_name("alloc")))
void *plugin_alloc(int32_t size) {
    return malloc(size > 0 ? (size_t)size : 1);
}

__attribute__((export_name("filter")))
uint64_t filter(char *input, int32_t len) {
    if (len < 0) len = 0;
    free(output);
    char prefix[16];
    int n = snprintf(prefix, sizeof prefix, "%d:", main_runs);
    output = malloc((size_t)n + (size_t)len + 1);
    if (output == NULL) return 0;
    memcpy(output, prefix, (size_t)n);
    memcpy(output + n, input, (size_t)len);
    free(input); /* came from alloc(); consumed now */
    return ((uint64_t)(uintptr_t)output << 32) | (uint32_t)(n + len);
}

int main(void) {
    main_runs++;
    fputs("wasi-command: hello from main\n", stdout);
    fputs("wasi-command: hello on stderr\n", stderr);
    exit(0); /* flushes stdout, then proc_exit(0) */
}
