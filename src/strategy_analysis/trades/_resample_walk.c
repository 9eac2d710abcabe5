/* The Monte Carlo's walk over drawn indices (monte_carlo.py) in one pass per row.
 *
 * walk(pnl, idx, index_size, net, drawdown)
 *   pnl        float64 buffer of n values (the closed trades' pnl_net)
 *   idx        rows x n indices into pnl, C order, each index_size (4 or 8) bytes
 *   net        float64 buffer of rows, written: each row's last cumulative sum
 *   drawdown   float64 buffer of rows, written: each row's min of (equity - max(0, peak))
 *
 * The same additions in the same order as numpy's cumsum along a row, the same running
 * peak (the 0 at the start included) and the same subtractions, so the figures are equal
 * to the bit; numpy's three passes over a block of rows are one pass here, without the
 * GIL. The caller sends finite values only (NaN and infinity take numpy's path).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

static PyObject *walk(PyObject *self, PyObject *args) {
    Py_buffer pnl, idx, net, drawdown;
    int index_size;
    if (!PyArg_ParseTuple(args, "y*y*iw*w*", &pnl, &idx, &index_size, &net, &drawdown))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t n = pnl.len / (Py_ssize_t)sizeof(double);
    Py_ssize_t rows = net.len / (Py_ssize_t)sizeof(double);
    if ((index_size != 4 && index_size != 8) || n == 0 || drawdown.len != net.len ||
        idx.len != rows * n * index_size) {
        PyErr_SetString(PyExc_ValueError, "walk: buffers of mismatched sizes");
        goto done;
    }
    const double *values = (const double *)pnl.buf;
    double *net_out = (double *)net.buf;
    double *drawdown_out = (double *)drawdown.buf;
    int out_of_range = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t r = 0; r < rows && !out_of_range; r++) {
        double equity = 0.0, peak = 0.0, worst = 0.0;
        if (index_size == 4) {
            const int32_t *row = (const int32_t *)idx.buf + r * n;
            for (Py_ssize_t i = 0; i < n; i++) {
                int32_t k = row[i];
                if (k < 0 || k >= n) { out_of_range = 1; break; }
                equity += values[k];
                if (equity > peak) peak = equity;
                double below = equity - peak;
                if (below < worst) worst = below;
            }
        } else {
            const int64_t *row = (const int64_t *)idx.buf + r * n;
            for (Py_ssize_t i = 0; i < n; i++) {
                int64_t k = row[i];
                if (k < 0 || k >= n) { out_of_range = 1; break; }
                equity += values[k];
                if (equity > peak) peak = equity;
                double below = equity - peak;
                if (below < worst) worst = below;
            }
        }
        net_out[r] = equity;
        drawdown_out[r] = worst;
    }
    Py_END_ALLOW_THREADS
    if (out_of_range) {
        PyErr_SetString(PyExc_IndexError, "walk: an index outside the values");
        goto done;
    }
    result = Py_None;
    Py_INCREF(result);
done:
    PyBuffer_Release(&pnl);
    PyBuffer_Release(&idx);
    PyBuffer_Release(&net);
    PyBuffer_Release(&drawdown);
    return result;
}

static PyMethodDef methods[] = {
    {"walk", walk, METH_VARARGS, "Net profit and max drawdown of each row of drawn indices."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_resample_walk", NULL, -1, methods,
};

PyMODINIT_FUNC PyInit__resample_walk(void) { return PyModule_Create(&module); }
