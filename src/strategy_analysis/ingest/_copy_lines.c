/* COPY text of an export chunk, checked and formatted in C: the fast path of copy_text.
 *
 * A Reader holds its own read-only connection to the export. Reader.lines() runs a SELECT
 * (pos, then one value per column) over a rowid range and checks each value by its kind,
 * a subset of column_sql's checks: a value this code is not sure of refuses the whole
 * chunk (None), which then takes the SQL path. Columns whose check is SQL (enumerations,
 * defaults, JSON) come already checked: NULL, a blob (invalid) or the stored text. Every
 * text, those included, is tested here: valid UTF-8, no NUL, within its column's length.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <string.h>

#include "../contract/_timestamp_text.h"
#include "../contract/_value_bounds.h"

typedef struct {
    char *data;
    size_t len, cap;
} Buf;

static int buf_reserve(Buf *b, size_t extra) {
    if (b->len + extra <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 1 << 16;
    while (cap < b->len + extra) cap *= 2;
    char *data = realloc(b->data, cap);
    if (!data) return -1;
    b->data = data;
    b->cap = cap;
    return 0;
}

static int buf_put(Buf *b, const char *s, size_t n) {
    if (buf_reserve(b, n)) return -1;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    return 0;
}

static int buf_char(Buf *b, char c) { return buf_put(b, &c, 1); }

/* COPY text escapes: backslash, tab, newline, carriage return. */
static int buf_escaped(Buf *b, const unsigned char *s, size_t n) {
    if (buf_reserve(b, 2 * n)) return -1;
    char *out = b->data + b->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        switch (c) {
        case '\\': *out++ = '\\'; *out++ = '\\'; break;
        case '\t': *out++ = '\\'; *out++ = 't'; break;
        case '\n': *out++ = '\\'; *out++ = 'n'; break;
        case '\r': *out++ = '\\'; *out++ = 'r'; break;
        default: *out++ = (char)c;
        }
    }
    b->len = (size_t)(out - b->data);
    return 0;
}

static int buf_int(Buf *b, long long v) {
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%lld", v);
    return buf_put(b, tmp, (size_t)n);
}

static const double POW10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};

/* A double as text PostgreSQL reads back as the same double: the shortest of a few
 * decimal places when n / 10^k equals it exactly (IEEE division is correctly rounded, as
 * is PostgreSQL's parse of the decimal), otherwise 17 significant digits. */
static int buf_double(Buf *b, double x) {
    char tmp[40];
    if (fabs(x) < 1e15) { /* -0.0 prints as 0, as SQLite prints it */
        for (int k = 0; k <= 8; k++) {
            double m = x * POW10[k];
            if (fabs(m) >= 9007199254740992.0) break;
            long long n = llround(m);
            if ((double)n / POW10[k] != x) continue;
            int neg = n < 0;
            unsigned long long u = neg ? (unsigned long long)(-n) : (unsigned long long)n;
            char digits[24];
            int d = 0;
            do { digits[d++] = (char)('0' + u % 10); u /= 10; } while (u);
            while (d <= k) digits[d++] = '0';
            int p = 0;
            if (neg) tmp[p++] = '-';
            for (int i = d - 1; i >= 0; i--) {
                tmp[p++] = digits[i];
                if (i == k && k > 0) tmp[p++] = '.';
            }
            return buf_put(b, tmp, (size_t)p);
        }
    }
    int n = snprintf(tmp, sizeof tmp, "%.17g", x);
    return buf_put(b, tmp, (size_t)n);
}

/* column_sql._nonblank: a first character above space, or something left after trimming
 * ASCII whitespace. */
static int nonblank(const unsigned char *s, size_t n) {
    if (n == 0) return 0;
    if (s[0] > 32) return 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (!(c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')) return 1;
    }
    return 0;
}

typedef struct {
    PyObject_HEAD
    sqlite3 *db;
} Reader;

static void reader_dealloc(Reader *self) {
    if (self->db) sqlite3_close(self->db);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int reader_init(Reader *self, PyObject *args, PyObject *kwds) {
    const char *uri;
    if (!PyArg_ParseTuple(args, "s", &uri)) return -1;
    if (self->db) { sqlite3_close(self->db); self->db = NULL; }
    int rc = sqlite3_open_v2(uri, &self->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
    if (rc != SQLITE_OK) {
        PyErr_Format(PyExc_OSError, "cannot open %s: %s", uri,
                     self->db ? sqlite3_errmsg(self->db) : "out of memory");
        sqlite3_close(self->db);
        self->db = NULL;
        return -1;
    }
    return 0;
}

static int bind_params(sqlite3_stmt *stmt, PyObject *params) {
    int count = sqlite3_bind_parameter_count(stmt);
    for (int i = 1; i <= count; i++) {
        const char *name = sqlite3_bind_parameter_name(stmt, i);
        if (!name) return -1;
        PyObject *value = PyDict_GetItemString(params, name + 1);
        int rc;
        if (!value || value == Py_None) rc = sqlite3_bind_null(stmt, i);
        else if (PyLong_Check(value)) {
            long long v = PyLong_AsLongLong(value);
            if (v == -1 && PyErr_Occurred()) return -1;
            rc = sqlite3_bind_int64(stmt, i, v);
        }
        else if (PyUnicode_Check(value)) {
            Py_ssize_t n;
            const char *s = PyUnicode_AsUTF8AndSize(value, &n);
            if (!s) return -1;
            rc = sqlite3_bind_text(stmt, i, s, (int)n, SQLITE_TRANSIENT);
        } else return -1;
        if (rc != SQLITE_OK) return -1;
    }
    return 0;
}

typedef struct {
    Buf line;  /* the row's values, tab-separated */
    char first[27], last[27];
    int have_time;
    /* distinct symbols, in first-seen order (few: a linear search) */
    char **symbols;
    size_t *symbol_lens;
    size_t nsymbols, last_symbol;
} RowState;

/* Note a symbol; -1 when out of memory. */
static int note_symbol(RowState *st, const unsigned char *s, size_t n) {
    if (st->nsymbols) {
        size_t last = st->last_symbol;
        if (st->symbol_lens[last] == n && memcmp(st->symbols[last], s, n) == 0) return 0;
        for (size_t i = 0; i < st->nsymbols; i++)
            if (st->symbol_lens[i] == n && memcmp(st->symbols[i], s, n) == 0) {
                st->last_symbol = i;
                return 0;
            }
    }
    char **symbols = realloc(st->symbols, (st->nsymbols + 1) * sizeof *symbols);
    if (!symbols) return -1;
    st->symbols = symbols;
    size_t *lens = realloc(st->symbol_lens, (st->nsymbols + 1) * sizeof *lens);
    if (!lens) return -1;
    st->symbol_lens = lens;
    char *copy = malloc(n ? n : 1);
    if (!copy) return -1;
    memcpy(copy, s, n);
    st->symbols[st->nsymbols] = copy;
    st->symbol_lens[st->nsymbols] = n;
    st->last_symbol = st->nsymbols++;
    return 0;
}

/* Check and write one row's values; 0 when a value refuses the chunk, -1 on error.
 * ``aside`` set when a column of ``aside_mask`` is NULL. */
static int row_values(sqlite3_stmt *stmt, const char *kinds, const long long *limits,
                      Py_ssize_t ncols, int time_index, int symbol_index, int bar_rule,
                      const char *aside_mask, int *aside, RowState *st) {
    double bar[4] = {0, 0, 0, 0}; /* open, high, low, close */
    char start[27] = "", end[27] = "";
    int have_end = 0;
    *aside = 0;
    st->line.len = 0;
    for (Py_ssize_t c = 0; c < ncols; c++) {
        int col = (int)c + 1;
        int type = sqlite3_column_type(stmt, col);
        char kind = kinds[c];
        if (c && buf_char(&st->line, '\t')) return -1;
        if (aside_mask[c] && type == SQLITE_NULL) *aside = 1;
        switch (kind) {
        case 'T': case 't': case 'S': case 's': {
            int required = kind == 'T' || kind == 'S';
            if (type == SQLITE_NULL) {
                if (required) return 0;
                break;
            }
            if (type != SQLITE_TEXT) return 0;
            const unsigned char *s = sqlite3_column_text(stmt, col);
            size_t n = (size_t)sqlite3_column_bytes(stmt, col);
            if (kind == 'T' || kind == 't') {
                if (!nonblank(s, n)) {
                    if (required) return 0;
                    if (aside_mask[c]) *aside = 1;
                    break; /* blank optional text is NULL */
                }
            }
            if (!storable_utf8(s, n, limits[c])) return 0;
            if (c == symbol_index && note_symbol(st, s, n)) return -1;
            if (buf_escaped(&st->line, s, n)) return -1;
            break;
        }
        case 'N': case 'n': case 'P': case 'p': case 'Z': case 'Q': case 'F': {
            if (type == SQLITE_NULL) {
                if (kind == 'F') { if (buf_char(&st->line, '0')) return -1; break; }
                if (kind == 'n' || kind == 'p') break;
                return 0;
            }
            double x;
            if (type == SQLITE_INTEGER) {
                sqlite3_int64 i = sqlite3_column_int64(stmt, col);
                if (i > 9007199254740992LL || i < -9007199254740992LL) return 0;
                x = (double)i;
            } else if (type == SQLITE_FLOAT) {
                x = sqlite3_column_double(stmt, col);
                if (!isfinite(x)) return 0;
            } else return 0;
            if ((kind == 'P' || kind == 'p') && !(x > 0)) return 0;
            if ((kind == 'Z' || kind == 'F') && !(x >= 0)) return 0;
            if (!number_in_range(x, kind)) return 0;
            if (bar_rule && c >= 4 && c <= 7) bar[c - 4] = x;
            if (buf_double(&st->line, x)) return -1;
            break;
        }
        case 'D': case 'd': {
            if (type == SQLITE_NULL) {
                if (kind == 'D') return 0;
                break;
            }
            if (type != SQLITE_TEXT) return 0;
            char out[27];
            if (!timestamp_text(sqlite3_column_text(stmt, col),
                                (size_t)sqlite3_column_bytes(stmt, col), out))
                return 0;
            if (c == time_index) {
                if (!st->have_time || strcmp(out, st->first) < 0) memcpy(st->first, out, 27);
                if (!st->have_time || strcmp(out, st->last) > 0) memcpy(st->last, out, 27);
                st->have_time = 1;
            }
            if (bar_rule && c == 2) memcpy(start, out, 27);
            if (bar_rule && c == 3) { memcpy(end, out, 27); have_end = 1; }
            if (buf_put(&st->line, out, 26)) return -1;
            break;
        }
        default:
            return 0;
        }
    }
    if (bar_rule) {
        /* tables.bar_range_check: symbol, timeframe, start, end, open, high, low, close */
        double o = bar[0], h = bar[1], l = bar[2], cl = bar[3];
        if (!(l <= (o < cl ? o : cl) && h >= (o > cl ? o : cl))) return 0;
        if (have_end && strcmp(end, start) < 0) return 0;
    }
    return 1;
}

/* lines(sql, params, kinds, run_id, layout, time_index, symbol_index, bar_rule, aside,
 * limits)
 * -> None (the chunk takes the SQL path) or (text, lines, aside_text, aside_lines, first,
 * last, symbols). layout (copy_text.CopyLayout): 0 stage (pos, values), 1 table (values),
 * 2 run table (run_id, values), 3 sequenced (run_id, values, pos). An aside line is laid
 * out for the stage. limits: each text column's length limit in characters (0: none). */
static PyObject *reader_lines(Reader *self, PyObject *args) {
    const char *sql, *kinds, *run_id, *aside_mask;
    Py_ssize_t nkinds, nrun_id, naside;
    PyObject *params, *limit_args;
    int layout, time_index, symbol_index, bar_rule;
    if (!PyArg_ParseTuple(args, "sO!s#z#iiiis#O!", &sql, &PyDict_Type, &params, &kinds, &nkinds,
                          &run_id, &nrun_id, &layout, &time_index, &symbol_index, &bar_rule,
                          &aside_mask, &naside, &PyTuple_Type, &limit_args))
        return NULL;
    if (naside != nkinds || PyTuple_GET_SIZE(limit_args) != nkinds) {
        PyErr_SetString(PyExc_ValueError, "aside mask, limits and kinds differ in length");
        return NULL;
    }
    long long limits[64];
    if (nkinds > 64) {
        PyErr_SetString(PyExc_ValueError, "at most 64 columns");
        return NULL;
    }
    for (Py_ssize_t c = 0; c < nkinds; c++) {
        limits[c] = PyLong_AsLongLong(PyTuple_GET_ITEM(limit_args, c));
        if (limits[c] == -1 && PyErr_Occurred()) return NULL;
    }
    if (!self->db) {
        PyErr_SetString(PyExc_ValueError, "reader is closed");
        return NULL;
    }
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(self->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        sqlite3_finalize(stmt);
        Py_RETURN_NONE;
    }
    if (sqlite3_column_count(stmt) != nkinds + 1 || bind_params(stmt, params)) {
        PyErr_Clear();
        sqlite3_finalize(stmt);
        Py_RETURN_NONE;
    }
    Buf text = {0}, aside_text = {0}, prefix = {0};
    RowState st = {0};
    /* a run table's line starts with the run id, escaped once for the chunk */
    if (layout >= 2 && (buf_escaped(&prefix, (const unsigned char *)(run_id ? run_id : ""),
                                    run_id ? (size_t)nrun_id : 0) ||
                        buf_char(&prefix, '\t'))) {
        sqlite3_finalize(stmt);
        free(prefix.data);
        return PyErr_NoMemory();
    }
    long long lines = 0, aside_lines = 0;
    int status = 1, rc = SQLITE_DONE;
    Py_BEGIN_ALLOW_THREADS
    while (status == 1 && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        int aside;
        status = row_values(stmt, kinds, limits, nkinds, time_index, symbol_index, bar_rule,
                            aside_mask, &aside, &st);
        if (status != 1) break;
        long long pos = sqlite3_column_int64(stmt, 0);
        Buf *out = aside ? &aside_text : &text;
        if (out->len && buf_char(out, '\n')) { status = -1; break; }
        int stage = aside || layout == 0;
        if (stage && (buf_int(out, pos) || buf_char(out, '\t'))) { status = -1; break; }
        if (!stage && layout >= 2 && buf_put(out, prefix.data, prefix.len)) { status = -1; break; }
        if (aside) aside_lines++;
        else lines++;
        if (buf_put(out, st.line.data, st.line.len)) { status = -1; break; }
        if (!stage && layout == 3 && (buf_char(out, '\t') || buf_int(out, pos))) { status = -1; break; }
    }
    if (status == 1 && rc != SQLITE_DONE) status = 0; /* a read error: the SQL path reports it */
    sqlite3_finalize(stmt);
    Py_END_ALLOW_THREADS
    PyObject *result = NULL;
    PyObject *symbols = status == 1 ? PyList_New(0) : NULL;
    for (size_t i = 0; symbols && i < st.nsymbols; i++) {
        PyObject *sym = PyUnicode_DecodeUTF8(st.symbols[i], (Py_ssize_t)st.symbol_lens[i], "strict");
        if (!sym || PyList_Append(symbols, sym)) {
            Py_XDECREF(sym);
            Py_CLEAR(symbols);
            PyErr_Clear(); /* a symbol that is not UTF-8: the SQL path decides */
            status = 0;
        } else Py_DECREF(sym);
    }
    if (status == 1) {
        PyObject *t = PyUnicode_DecodeUTF8(text.data ? text.data : "", (Py_ssize_t)text.len, "strict");
        PyObject *a = t ? PyUnicode_DecodeUTF8(aside_text.data ? aside_text.data : "",
                                               (Py_ssize_t)aside_text.len, "strict") : NULL;
        if (t && a) {
            if (st.have_time)
                result = Py_BuildValue("(NLNLs#s#O)", t, lines, a, aside_lines, st.first,
                                       (Py_ssize_t)26, st.last, (Py_ssize_t)26, symbols);
            else
                result = Py_BuildValue("(NLNLOOO)", t, lines, a, aside_lines, Py_None, Py_None,
                                       symbols);
        } else {
            Py_XDECREF(t);
            Py_XDECREF(a);
            PyErr_Clear(); /* text that is not UTF-8: the SQL path decides */
            result = Py_None;
            Py_INCREF(result);
        }
    } else if (status == 0) {
        result = Py_None;
        Py_INCREF(result);
    }
    free(text.data);
    free(aside_text.data);
    free(prefix.data);
    free(st.line.data);
    for (size_t i = 0; i < st.nsymbols; i++) free(st.symbols[i]);
    free(st.symbols);
    free(st.symbol_lens);
    Py_XDECREF(symbols);
    if (!result && !PyErr_Occurred()) PyErr_NoMemory();
    return result;
}

static PyObject *reader_close(Reader *self, PyObject *unused) {
    if (self->db) sqlite3_close(self->db);
    self->db = NULL;
    Py_RETURN_NONE;
}

static PyMethodDef reader_methods[] = {
    {"lines", (PyCFunction)reader_lines, METH_VARARGS, "A chunk's COPY text, or None."},
    {"close", (PyCFunction)reader_close, METH_NOARGS, "Close the connection."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ReaderType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "strategy_analysis.ingest._copy_lines.Reader",
    .tp_basicsize = sizeof(Reader),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)reader_init,
    .tp_dealloc = (destructor)reader_dealloc,
    .tp_methods = reader_methods,
    .tp_doc = "A read-only connection to an export that writes COPY text.",
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_copy_lines", "Checked COPY text of export chunks, in C.", -1, NULL,
};

PyMODINIT_FUNC PyInit__copy_lines(void) {
    if (PyType_Ready(&ReaderType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    if (add_value_bounds(m) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&ReaderType);
    if (PyModule_AddObject(m, "Reader", (PyObject *)&ReaderType) < 0) {
        Py_DECREF(&ReaderType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
