/*
 * `{{name}}`: an Alloy plugin for alloy-wasm, in C (wasi-libc, as a reactor).
 *
 * One plugin is one .wasm file, and its file name is its name: this one is
 * dist/{{name}}.wasm, so its filter is `{{name}}`.
 *
 * The ABI: the host calls alloc(len), writes the UTF-8 input there, calls
 * filter(ptr, len) and reads the result at the (ptr, len) packed into the
 * returned 64-bit value as (ptr << 32) | len. (0, 0) means failure, and then
 * last_error() returns the message the same way. The host never frees
 * anything: filter() frees the input once it has read it, and the previous
 * result before making a new one, so the host can read each result until
 * the next call.
 */
#include <stdint.h>
#include <stdlib.h>

static char *output = NULL;      /* the last result, freed on the next call */
static const char *error = NULL; /* the last error's message, or NULL */

static uint64_t pack(const char *ptr, uint32_t len) {
    return ((uint64_t)(uintptr_t)ptr << 32) | len;
}

static uint32_t length(const char *s) {
    uint32_t n = 0;
    while (s[n] != '\0') n++;
    return n;
}

__attribute__((export_name("alloc")))
void *plugin_alloc(int32_t size) {
    /* malloc(0) may return NULL, which the host would take for a failure. */
    return malloc(size > 0 ? (size_t)size : 1);
}

__attribute__((export_name("last_error")))
uint64_t last_error(void) {
    return error == NULL ? 0 : pack(error, length(error));
}

/* `filter(ptr, len) -> (ptr << 32) | len`: the input with ASCII letters upper-cased. */
__attribute__((export_name("filter")))
uint64_t filter(char *input, int32_t len) {
    size_t n = len > 0 ? (size_t)len : 0;
    free(output);
    error = NULL;
    output = malloc(n > 0 ? n : 1); /* never NULL for "": (0, 0) means failure */
    if (output == NULL) {
        free(input);
        error = "{{name}}: out of memory";
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = input[i];
        /* Bytes of multi-byte UTF-8 characters are >= 0x80: copied as they are. */
        output[i] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
    }
    free(input);
    return pack(output, (uint32_t)n);
}
