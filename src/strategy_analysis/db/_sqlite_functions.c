/* SQL functions for the platform's SQLite connections, in C.
 *
 * sa_timestamp_text(x): the stored text of a timestamp in the canonical layout, or NULL;
 * the rule of column_sql.timestamp (and of the C reader, _timestamp_text.h), at a tenth of
 * the cost of its GLOB patterns in SQL.
 *
 * install() registers them with sqlite3_auto_extension, so every connection this process
 * opens afterwards has them. That reaches Python's sqlite3 connections only when its
 * module and this one share one SQLite library: sqlite_functions.available() asks each
 * connection, and the SQL forms stay in use where the functions are missing. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <sqlite3.h>

#include "../ingest/_timestamp_text.h"

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

static int register_functions(sqlite3 *db, char **error, const void *api) {
    (void)error;
    (void)api;
    return sqlite3_create_function_v2(db, "sa_timestamp_text", 1,
                                      SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                                      NULL, timestamp_text_fn, NULL, NULL, NULL);
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

PyMODINIT_FUNC PyInit__sqlite_functions(void) { return PyModule_Create(&module); }
