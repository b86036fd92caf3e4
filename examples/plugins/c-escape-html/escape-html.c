/*
 * `escape-html`: an Alloy filter plugin in plain C that escapes text for HTML:
 * & < > " ' become &amp; &lt; &gt; &quot; &#39;, everything else (UTF-8
 * included) is copied as it is.
 *
 * It shows the whole ABI in C with wasi-libc's malloc:
 * - alloc() is malloc(), never malloc(0); filter() frees the input once it
 *   has read it, and frees the previous result before making a new one, so
 *   the host can read each result until the next call.
 * - errors return (0, 0) and leave their message for last_error(); here
 *   that is an input whose escaped form would not fit in memory.
 * - the result is packed into one 64-bit value: (ptr << 32) | len.
 *
 * Build as a reactor (no main; wasi-libc needs no WASI call for this):
 *   clang --target=wasm32-wasi -mexec-model=reactor -O2 -Wl,--strip-debug \
 *     -o escape-html.wasm escape-html.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static char *output = NULL;        /* the last result, freed on the next call */
static const char *error = NULL;   /* the last error's message, or NULL */

static uint64_t pack(const char *ptr, uint32_t len) {
    return ((uint64_t)(uintptr_t)ptr << 32) | len;
}

__attribute__((export_name("alloc")))
void *plugin_alloc(int32_t size) {
    /* malloc(0) may return NULL, which the host would take for a failure. */
    return malloc(size > 0 ? (size_t)size : 1);
}

__attribute__((export_name("last_error")))
uint64_t last_error(void) {
    return error == NULL ? 0 : pack(error, (uint32_t)strlen(error));
}

/* The escape for c, or NULL when c is copied as it is. */
static const char *escape(unsigned char c) {
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&#39;";
    default: return NULL;
    }
}

__attribute__((export_name("filter")))
uint64_t filter(char *input, int32_t len) {
    size_t n = len > 0 ? (size_t)len : 0;
    free(output);
    output = NULL;
    error = NULL;

    /* First pass: the exact output size, so there is one allocation. */
    size_t size = 0;
    for (size_t i = 0; i < n; i++) {
        const char *e = escape((unsigned char)input[i]);
        if (size > SIZE_MAX - 8) { /* size_t is 32 bits here: 1 GiB of "&" overflows it */
            free(input);
            error = "escape-html: the escaped text would not fit in 4 GiB";
            return 0;
        }
        size += e ? strlen(e) : 1;
    }
    output = malloc(size > 0 ? size : 1);
    if (output == NULL) {
        free(input);
        error = "escape-html: out of memory for the escaped text";
        return 0;
    }
    char *out = output;
    for (size_t i = 0; i < n; i++) {
        const char *e = escape((unsigned char)input[i]);
        if (e) {
            size_t k = strlen(e);
            memcpy(out, e, k);
            out += k;
        } else {
            *out++ = input[i];
        }
    }
    free(input); /* came from alloc(); consumed now */
    return pack(output, (uint32_t)size);
}
