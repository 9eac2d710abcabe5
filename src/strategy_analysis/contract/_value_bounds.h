/* The bounds of contract/values.py for the C fast paths (_copy_lines.c, _record_checks.c,
 * _sqlite_functions.c); each module exports them as VALUE_BOUNDS, which a test compares
 * with the Python constants. Included by each. */
#ifndef VALUE_BOUNDS_H
#define VALUE_BOUNDS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define MAX_AMOUNT 1e15
#define MIN_QUANTITY 1e-9
#define MAX_QUANTITY 1e9

/* A number's range: a quantity ('Q') from MIN_QUANTITY to MAX_QUANTITY, any other number
 * at most MAX_AMOUNT in magnitude. */
static inline int number_in_range(double x, char kind) {
    if (kind == 'Q') return x >= MIN_QUANTITY && x <= MAX_QUANTITY;
    return x >= -MAX_AMOUNT && x <= MAX_AMOUNT;
}

/* Whether UTF-8 bytes are a text any database stores as sent: valid UTF-8 (no overlong
 * form, no surrogate, nothing above U+10FFFF), no NUL, at most max_chars characters
 * (0: any number). Python's strict decoder takes exactly these bytes. */
static inline int storable_utf8(const unsigned char *s, size_t n, long long max_chars) {
    long long chars = 0;
    size_t i = 0;
    while (i < n) {
        /* eight ASCII bytes at a time, none of them NUL: the common case */
        while (i + 8 <= n) {
            uint64_t word;
            memcpy(&word, s + i, 8);
            if ((word & 0x8080808080808080ULL) ||
                ((word - 0x0101010101010101ULL) & ~word & 0x8080808080808080ULL))
                break;
            i += 8;
            chars += 8;
        }
        if (i >= n) break;
        unsigned char c = s[i];
        if (c < 0x80) {
            if (c == 0) return 0;
            i += 1;
        } else if (c >= 0xC2 && c <= 0xDF) {
            if (i + 1 >= n || (s[i + 1] & 0xC0) != 0x80) return 0;
            i += 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            if (i + 2 >= n || (s[i + 1] & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80) return 0;
            if (c == 0xE0 && s[i + 1] < 0xA0) return 0; /* overlong */
            if (c == 0xED && s[i + 1] >= 0xA0) return 0; /* a surrogate */
            i += 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            if (i + 3 >= n || (s[i + 1] & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80 ||
                (s[i + 3] & 0xC0) != 0x80)
                return 0;
            if (c == 0xF0 && s[i + 1] < 0x90) return 0; /* overlong */
            if (c == 0xF4 && s[i + 1] >= 0x90) return 0; /* above U+10FFFF */
            i += 4;
        } else {
            return 0;
        }
        chars += 1;
    }
    return max_chars <= 0 || chars <= max_chars;
}

#ifdef Py_PYTHON_H
/* Exports the bounds as the module's VALUE_BOUNDS; -1 on error. */
static inline int add_value_bounds(PyObject *module) {
    PyObject *bounds = Py_BuildValue("(ddd)", MAX_AMOUNT, MIN_QUANTITY, MAX_QUANTITY);
    if (bounds == NULL) return -1;
    if (PyModule_AddObject(module, "VALUE_BOUNDS", bounds) < 0) {
        Py_DECREF(bounds);
        return -1;
    }
    return 0;
}
#endif

#endif
