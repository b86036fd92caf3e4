/*
 * `reactor`: a WASI *reactor* module (it exports `_initialize`, no `_start`).
 *
 * The host must call `_initialize` once after instantiation; it runs the C
 * constructors, here `count_init`. `filter(input)` returns
 * "<init_runs>:<input>": "1:abc" means _initialize ran exactly once for this
 * instance, "0:abc" that it never ran.
 *
 * Build: clang --target=wasm32-wasi -mexec-model=reactor -O2 -o reactor.wasm reactor.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* volatile: otherwise LLVM's GlobalOpt evaluates the constructor at compile
 * time and bakes init_runs = 1 into the data segment, which would hide a host
 * that never calls _initialize. */
static volatile int init_runs = 0;
static char *output = NULL; /* the last result, freed on the next call */

__attribute__((constructor))
static void count_init(void) {
    init_runs++;
}

__attribute__((export_name("alloc")))
void *plugin_alloc(int32_t size) {
    return malloc(size > 0 ? (size_t)size : 1);
}

__attribute__((export_name("filter")))
uint64_t filter(char *input, int32_t len) {
    if (len < 0) len = 0;
    free(output);
    char prefix[16];
    int n = snprintf(prefix, sizeof prefix, "%d:", init_runs);
    output = malloc((size_t)n + (size_t)len + 1);
    if (output == NULL) return 0;
    memcpy(output, prefix, (size_t)n);
    memcpy(output + n, input, (size_t)len);
    free(input); /* came from alloc(); consumed now */
    return ((uint64_t)(uintptr_t)output << 32) | (uint32_t)(n + len);
}
