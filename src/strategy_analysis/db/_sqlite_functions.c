/* SQL functions for the platform's SQLite connections, in C.
 *
 * sa_timestamp_text(x): the stored text of a timestamp in the canonical layout, or NULL;
 * the rule of column_sql.timestamp (and of the C reader, _timestamp_text.h), at a tenth of
 * the cost of its GLOB patterns in SQL.
 * sa_text(x, max_chars): 0 for NULL or a blank text, 1 for a text that can be stored
 * (valid UTF-8, no NUL, at most max_chars characters, 0 for any), 2 for anything else;
 * sa_real(x, range): for column_sql's text and number checks (required_text,
 * optional_text, number), one call instead of the half dozen function calls of each SQL
 * form. sa_real decides as its SQL form; sa_text also takes the valid non-ASCII texts the
 * SQL form leaves to the model.
 * sa_invalid(): fails the statement (an error naming it). In place of the BAD blob an
 * optional value's check gives, it stops an insert at the first such value, so the rows
 * inserted need not be read back to find one.
 *
 * install() registers them with sqlite3_auto_extension, so every connection this process
 * opens afterwards has them. That reaches Python's sqlite3 connections only when its
 * module and this one share one SQLite library: sqlite_functions.available() asks each
 * connection, and the SQL forms stay in use where the functions are missing. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <sqlite3.h>

#include "../contract/_timestamp_text.h"
#include "../contract/_value_bounds.h"

static void timestamp_text_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    if (sqlite3_value_type(argv[0]) != SQLITE_TEXT) return; /* NULL */
    const unsigned char *s = sqlite3_value_text(argv[0]);
    if (!s) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    char out[27];
    if (timestamp_text(s, (size_t)sqlite3_value_bytes(argv[0]), out))
        sqlite3_result_text(ctx, out, 26, SQLITE_TRANSIENT);
}

static void invalid_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv);

/* Whether a text holds a character other than ASCII white space (column_sql._WS). */
static int nonblank(sqlite3_value *value, int *nomem) {
    const unsigned char *s = sqlite3_value_text(value);
    if (!s) {
        *nomem = 1;
        return 0;
    }
    int n = sqlite3_value_bytes(value);
    for (int i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c != ' ' && (c < '\t' || c > '\r')) return 1; /* \t \n \v \f \r are 9-13 */
    }
    return 0;
}

/* See the top of the file. A test rather than the text itself: column_sql writes
 * CASE sa_text(x, n) WHEN 1 THEN x ..., and SQLite moves x on by itself, where returning it
 * from here (sqlite3_result_value) copied every text into a new allocation, a quarter of
 * the instructions of a new run's direct insert. */
static void text_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    int type = sqlite3_value_type(argv[0]);
    if (type != SQLITE_TEXT) {
        sqlite3_result_int(ctx, type == SQLITE_NULL ? 0 : 2);
        return;
    }
    int nomem = 0;
    if (!nonblank(argv[0], &nomem)) {
        if (nomem)
            sqlite3_result_error_nomem(ctx);
        else
            sqlite3_result_int(ctx, 0);
        return;
    }
    const unsigned char *s = sqlite3_value_text(argv[0]);
    int n = sqlite3_value_bytes(argv[0]);
    sqlite3_result_int(ctx, storable_utf8(s, (size_t)n, sqlite3_value_int64(argv[1])) ? 1 : 2);
}

/* The value as a real when it is an integer or a real in its range: above zero (range 1),
 * at or above zero (2) or any (0), at most MAX_AMOUNT in magnitude; a quantity (3); NULL
 * otherwise. */
static void real_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    int minimum = sqlite3_value_int(argv[1]);
    double d;
    switch (sqlite3_value_type(argv[0])) {
    case SQLITE_INTEGER: {
        sqlite3_int64 i = sqlite3_value_int64(argv[0]);
        if ((minimum == 1 && i <= 0) || (minimum == 2 && i < 0)) return;
        d = (double)i;
        break;
    }
    case SQLITE_FLOAT:
        d = sqlite3_value_double(argv[0]);
        if (!isfinite(d) || (minimum == 1 && !(d > 0)) || (minimum == 2 && !(d >= 0))) return;
        break;
    default:
        return;
    }
    if (!number_in_range(d, minimum == 3 ? 'Q' : 'N')) return;
    sqlite3_result_double(ctx, d);
}

static void invalid_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    sqlite3_result_error(ctx, "sa_invalid: a value failed its check", -1);
}

static int register_functions(sqlite3 *db, char **error, const void *api) {
    (void)error;
    (void)api;
    const int pure = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    static const struct {
        const char *name;
        int args;
        void (*fn)(sqlite3_context *, int, sqlite3_value **);
        int deterministic;
    } functions[] = {
        {"sa_timestamp_text", 1, timestamp_text_fn, 1},
        {"sa_text", 2, text_fn, 1},
        {"sa_real", 2, real_fn, 1},
        /* not deterministic: never evaluated ahead as a constant, only where reached */
        {"sa_invalid", 0, invalid_fn, 0},
    };
    for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
        int flags = functions[i].deterministic ? pure : SQLITE_UTF8 | SQLITE_INNOCUOUS;
        int rc = sqlite3_create_function_v2(db, functions[i].name, functions[i].args, flags,
                                            NULL, functions[i].fn, NULL, NULL, NULL);
        if (rc != SQLITE_OK) return rc;
    }
    return SQLITE_OK;
}

static PyObject *install(PyObject *module, PyObject *unused) {
    (void)module;
    (void)unused;
    /* Registering the same entry point again is a no-op. */
    int rc = sqlite3_auto_extension((void (*)(void))register_functions);
    if (rc != SQLITE_OK) {
        PyErr_Format(PyExc_RuntimeError, "sqlite3_auto_extension failed: %s", sqlite3_errstr(rc));
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"install", install, METH_NOARGS,
     "Register the functions on every SQLite connection opened from now on."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_sqlite_functions", "SQL functions for SQLite connections, in C.",
    -1, methods,
};

PyMODINIT_FUNC PyInit__sqlite_functions(void) {
    PyObject *m = PyModule_Create(&module);
    if (m && add_value_bounds(m) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
