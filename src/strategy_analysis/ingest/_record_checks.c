/* The stream batch's column checks (record_checks.py) in C: the same plain cases, the same
 * stored values, for a batch's list of JSON objects in one call.
 *
 * check_records(items, columns, kinds, args, unsure, defaults, bar_rule, limits)
 *   items     list of decoded JSON records
 *   columns   tuple of str, the record columns in stored order
 *   kinds     str, one letter per column (record_checks.c_checks: the file reader's
 *             letters, c_copy_lines.READER_KINDS, and R C E X for the stream's own checks)
 *   args      tuple, one argument per column (a defaults key, a fallback text, an
 *             enumeration's (canonical, aliases), a Python check), or None
 *   unsure    the UNSURE marker a Python check returns
 *   defaults  dict handed to Python checks and read by 'R' columns
 *   bar_rule  None, or the value indexes (start, end, open, high, low, close)
 *   limits    tuple of int, each column's length limit in characters (0: none)
 * returns (rows, for_models): rows as (position, *stored values), and the positions whose
 * record holds a value these checks are not sure of (the models decide those). A text
 * passes within its limit, without a NUL character or a lone surrogate; a number within
 * its range (_value_bounds.h).
 *
 * json_depth_over(data, limit) tells whether a JSON text nests arrays and objects deeper
 * than limit (json_depth.py).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

#include "../contract/_timestamp_text.h"
#include "../contract/_value_bounds.h"

/* A value the checks are not sure of: the record goes to the models. */
static PyObject UNSURE_SENTINEL_OBJECT;
#define UNSURE (&UNSURE_SENTINEL_OBJECT)

static int is_ws(Py_UCS4 c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x0b || c == 0x0c;
}

/* Whether the text holds only the blanks SQL's trim removes (or nothing). */
static int blank(PyObject *text) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!is_ws(PyUnicode_READ(kind, data, i))) return 0;
    }
    return 1;
}

/* Within limit characters (0: any), no NUL, no lone surrogate. */
static int storable(PyObject *text, Py_ssize_t limit) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (limit > 0 && n > limit) return 0;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    if (kind == PyUnicode_1BYTE_KIND) return memchr(data, 0, (size_t)n) == NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c == 0 || (c >= 0xD800 && c <= 0xDFFF)) return 0;
    }
    return 1;
}

/* New reference, UNSURE (borrowed, not counted) or NULL on error. */
static PyObject *text_or_fallback(PyObject *value, PyObject *fallback, int required,
                                  int optional, Py_ssize_t limit) {
    if (value == Py_None) {
        if (optional) Py_RETURN_NONE;
        if (fallback != NULL && fallback != Py_None) {
            Py_INCREF(fallback);
            return fallback;
        }
        return UNSURE;
    }
    if (!PyUnicode_CheckExact(value)) return UNSURE;
    if (!blank(value)) {
        if (!storable(value, limit)) return UNSURE;
        Py_INCREF(value);
        return value;
    }
    if (optional) Py_RETURN_NONE;
    if (required || fallback == NULL || fallback == Py_None) return UNSURE;
    Py_INCREF(fallback);
    return fallback;
}

/* kind: N any, P > 0, Z >= 0, Q a quantity (required); n any, p > 0 (None allowed); F fee
 * (>= 0, None is 0). Each within its range (_value_bounds.h). */
static PyObject *number(PyObject *value, char kind) {
    double v;
    if (PyFloat_CheckExact(value)) {
        v = PyFloat_AS_DOUBLE(value);
        if (!isfinite(v)) return UNSURE;
    } else if (PyLong_CheckExact(value)) {
        int overflow = 0;
        long long n = PyLong_AsLongLongAndOverflow(value, &overflow);
        if (overflow) return UNSURE;
        if (n == -1 && PyErr_Occurred()) return NULL;
        v = (double)n;
    } else if (value == Py_None) {
        if (kind == 'n' || kind == 'p') Py_RETURN_NONE;
        if (kind == 'F') return PyFloat_FromDouble(0.0);
        return UNSURE;
    } else {
        return UNSURE;
    }
    if ((kind == 'P' || kind == 'p') && !(v > 0)) return UNSURE;
    if ((kind == 'Z' || kind == 'F') && !(v >= 0)) return UNSURE;
    if (!number_in_range(v, kind)) return UNSURE;
    if (PyFloat_CheckExact(value)) {
        Py_INCREF(value);
        return value;
    }
    return PyFloat_FromDouble(v);
}

/* The canonical head (date, 'T' or ' ', time), 0-7 fractional digits, at most one Z;
 * stored as 'YYYY-MM-DD HH:MM:SS.ffffff' (the rule is the export reader's). */
static PyObject *timestamp(PyObject *value, int required) {
    if (value == Py_None && !required) Py_RETURN_NONE;
    if (!PyUnicode_CheckExact(value) || !PyUnicode_IS_ASCII(value)) return UNSURE;
    char out[27];
    if (!timestamp_text((const unsigned char *)PyUnicode_DATA(value),
                        (size_t)PyUnicode_GET_LENGTH(value), out))
        return UNSURE;
    return PyUnicode_FromStringAndSize(out, 26);
}

/* args: (canonical set, aliases dict keyed by the stripped, ASCII-lowered spelling). */
static PyObject *enumeration(PyObject *value, PyObject *arg) {
    if (!PyUnicode_CheckExact(value)) return UNSURE;
    PyObject *canonical = PyTuple_GET_ITEM(arg, 0);
    int found = PySet_Contains(canonical, value);
    if (found < 0) return NULL;
    if (found) {
        Py_INCREF(value);
        return value;
    }
    if (!PyUnicode_IS_ASCII(value)) return UNSURE;
    Py_ssize_t n = PyUnicode_GET_LENGTH(value), start = 0, end = n;
    const char *s = (const char *)PyUnicode_DATA(value);
    while (start < end && is_ws((unsigned char)s[start])) start++;
    while (end > start && is_ws((unsigned char)s[end - 1])) end--;
    char small[64];
    char *folded = end - start <= (Py_ssize_t)sizeof small ? small : PyMem_Malloc(end - start);
    if (folded == NULL) return PyErr_NoMemory();
    for (Py_ssize_t k = start; k < end; k++) {
        char c = s[k];
        folded[k - start] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    PyObject *key = PyUnicode_FromStringAndSize(folded, end - start);
    if (folded != small) PyMem_Free(folded);
    if (key == NULL) return NULL;
    PyObject *stored = PyDict_GetItemWithError(PyTuple_GET_ITEM(arg, 1), key);
    Py_DECREF(key);
    if (stored == NULL) return PyErr_Occurred() ? NULL : UNSURE;
    Py_INCREF(stored);
    return stored;
}

static PyObject *python_check(PyObject *value, PyObject *check, PyObject *unsure,
                              PyObject *defaults) {
    PyObject *result = PyObject_CallFunctionObjArgs(check, value, defaults, NULL);
    if (result == unsure) {
        Py_DECREF(result);
        return UNSURE;
    }
    return result;
}

static PyObject *check_value(char kind, PyObject *value, PyObject *arg, PyObject *unsure,
                             PyObject *defaults, Py_ssize_t limit) {
    switch (kind) {
    case 'T':
        return text_or_fallback(value, NULL, 1, 0, limit);
    case 't':
        return text_or_fallback(value, NULL, 0, 1, limit);
    case 'R': {
        PyObject *fallback = PyDict_GetItemWithError(defaults, arg);
        if (fallback == NULL && PyErr_Occurred()) return NULL;
        return text_or_fallback(value, fallback, 0, 0, limit);
    }
    case 'C':
        return text_or_fallback(value, arg, 0, 0, limit);
    case 'N': case 'P': case 'Z': case 'Q': case 'n': case 'p': case 'F':
        return number(value, kind);
    case 'D':
        return timestamp(value, 1);
    case 'd':
        return timestamp(value, 0);
    case 'E':
        return enumeration(value, arg);
    case 'X':
        return python_check(value, arg, unsure, defaults);
    }
    PyErr_Format(PyExc_ValueError, "unknown check kind %c", kind);
    return NULL;
}

/* low <= min(open, close), high >= max(open, close), end missing or >= start. */
static int bar_range_ok(PyObject *row, const Py_ssize_t *at) {
    for (int k = 2; k < 6; k++) {
        if (!PyFloat_CheckExact(PyTuple_GET_ITEM(row, at[k]))) return 0;
    }
    PyObject *end = PyTuple_GET_ITEM(row, at[1]);
    double open = PyFloat_AS_DOUBLE(PyTuple_GET_ITEM(row, at[2]));
    double high = PyFloat_AS_DOUBLE(PyTuple_GET_ITEM(row, at[3]));
    double low = PyFloat_AS_DOUBLE(PyTuple_GET_ITEM(row, at[4]));
    double close = PyFloat_AS_DOUBLE(PyTuple_GET_ITEM(row, at[5]));
    if (!(low <= open && low <= close && high >= open && high >= close)) return 0;
    if (end == Py_None) return 1;
    return PyUnicode_Compare(end, PyTuple_GET_ITEM(row, at[0])) >= 0;
}

static PyObject *check_records(PyObject *self, PyObject *args) {
    PyObject *items, *columns, *kinds_text, *column_args, *unsure, *defaults, *bar_rule,
        *limit_args;
    if (!PyArg_ParseTuple(args, "O!O!UO!OO!OO!", &PyList_Type, &items, &PyTuple_Type, &columns,
                          &kinds_text, &PyTuple_Type, &column_args, &unsure, &PyDict_Type,
                          &defaults, &bar_rule, &PyTuple_Type, &limit_args))
        return NULL;
    Py_ssize_t width = PyTuple_GET_SIZE(columns);
    if (!PyUnicode_IS_ASCII(kinds_text) || PyUnicode_GET_LENGTH(kinds_text) != width ||
        PyTuple_GET_SIZE(column_args) != width || PyTuple_GET_SIZE(limit_args) != width) {
        PyErr_SetString(PyExc_ValueError, "one kind, one argument and one limit per column");
        return NULL;
    }
    Py_ssize_t *limits = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(width ? width : 1));
    if (limits == NULL) return PyErr_NoMemory();
    for (Py_ssize_t c = 0; c < width; c++) {
        limits[c] = PyLong_AsSsize_t(PyTuple_GET_ITEM(limit_args, c));
        if (limits[c] == -1 && PyErr_Occurred()) {
            PyMem_Free(limits);
            return NULL;
        }
    }
    const char *kinds = (const char *)PyUnicode_DATA(kinds_text);
    Py_ssize_t bar_at[6];
    int bars = bar_rule != Py_None;
    if (bars) {
        if (!PyTuple_Check(bar_rule) || PyTuple_GET_SIZE(bar_rule) != 6) {
            PyErr_SetString(PyExc_ValueError, "bar_rule: six value indexes");
            PyMem_Free(limits);
            return NULL;
        }
        for (int k = 0; k < 6; k++) {
            bar_at[k] = 1 + PyLong_AsSsize_t(PyTuple_GET_ITEM(bar_rule, k));
            if (bar_at[k] < 1 || bar_at[k] > width) {
                if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "bar_rule: bad index");
                PyMem_Free(limits);
                return NULL;
            }
        }
    }
    PyObject *rows = PyList_New(0), *for_models = PyList_New(0);
    if (rows == NULL || for_models == NULL) goto fail;
    Py_ssize_t count = PyList_GET_SIZE(items);
    for (Py_ssize_t position = 0; position < count; position++) {
        PyObject *item = PyList_GET_ITEM(items, position);
        int sure = PyDict_CheckExact(item);
        PyObject *row = NULL;
        if (sure) {
            row = PyTuple_New(width + 1);
            if (row == NULL) goto fail;
            PyObject *pos = PyLong_FromSsize_t(position);
            if (pos == NULL) {
                Py_DECREF(row);
                goto fail;
            }
            PyTuple_SET_ITEM(row, 0, pos);
            for (Py_ssize_t c = 0; c < width; c++) {
                PyObject *value = PyDict_GetItemWithError(item, PyTuple_GET_ITEM(columns, c));
                if (value == NULL) {
                    if (PyErr_Occurred()) {
                        Py_DECREF(row);
                        goto fail;
                    }
                    value = Py_None;
                }
                PyObject *stored = check_value(kinds[c], value, PyTuple_GET_ITEM(column_args, c),
                                               unsure, defaults, limits[c]);
                if (stored == NULL) {
                    Py_DECREF(row);
                    goto fail;
                }
                if (stored == UNSURE) {
                    sure = 0;
                    break;
                }
                PyTuple_SET_ITEM(row, c + 1, stored);
            }
            if (sure && bars && !bar_range_ok(row, bar_at)) sure = 0;
            if (PyErr_Occurred()) {
                Py_DECREF(row);
                goto fail;
            }
        }
        int appended;
        if (sure) {
            appended = PyList_Append(rows, row);
        } else {
            PyObject *pos = PyLong_FromSsize_t(position);
            appended = pos == NULL ? -1 : PyList_Append(for_models, pos);
            Py_XDECREF(pos);
        }
        /* a row left incomplete holds NULL slots, which tuple deallocation skips */
        Py_XDECREF(row);
        if (appended < 0) goto fail;
    }
    PyObject *result = PyTuple_Pack(2, rows, for_models);
    Py_DECREF(rows);
    Py_DECREF(for_models);
    PyMem_Free(limits);
    return result;
fail:
    Py_XDECREF(rows);
    Py_XDECREF(for_models);
    PyMem_Free(limits);
    return NULL;
}

/* Strings are skipped whole (escapes included; an unclosed one runs to the end); the text
 * need not be valid JSON, its decoder decides that, and a closing bracket with none open
 * counts for nothing. */
static PyObject *json_depth_over(PyObject *self, PyObject *args) {
    Py_buffer view;
    Py_ssize_t limit;
    if (!PyArg_ParseTuple(args, "y*n", &view, &limit)) return NULL;
    const unsigned char *s = view.buf;
    Py_ssize_t n = view.len, depth = 0;
    int over = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c == '"') {
            Py_ssize_t start = i;
            for (;;) {
                const unsigned char *quote = memchr(s + i + 1, '"', (size_t)(n - i - 1));
                if (quote == NULL) {
                    i = n;
                    break;
                }
                i = quote - s;
                Py_ssize_t escapes = 0;
                while (i - 1 - escapes > start && s[i - 1 - escapes] == '\\') escapes++;
                if (escapes % 2 == 0) break;
            }
        } else if (c == '[' || c == '{') {
            if (++depth > limit) {
                over = 1;
                break;
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    return PyBool_FromLong(over);
}

static PyMethodDef methods[] = {
    {"check_records", check_records, METH_VARARGS,
     "check_records(items, columns, kinds, args, unsure, defaults, bar_rule, limits) -> "
     "(rows, for_models)"},
    {"json_depth_over", json_depth_over, METH_VARARGS,
     "json_depth_over(data, limit) -> whether the JSON text nests deeper than limit"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_record_checks",
    "The stream batch's column checks in C (record_checks.py).", -1, methods,
};

PyMODINIT_FUNC PyInit__record_checks(void) {
    PyObject *m = PyModule_Create(&module);
    if (m && add_value_bounds(m) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
