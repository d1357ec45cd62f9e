/* The contract between a test model and the FMI wrappers (fmi2.c, fmi3.c).
 *
 * A model is one C file that the wrapper #includes (MODEL_SOURCE). The build script (twin/fmu/testing.py)
 * generates "vars.h" from the model's variable list: NV variables stored as doubles in m->r, variable vr from slot
 * SLOT[vr] on (SIZE[vr] slots: an FMI 3 array's elements in row-major order, (&V_name)[k] in the model's code),
 * the macros V_<name> (the value, for the Model *m in scope) and S_<name> (its value at the start of the current
 * communication step), NX continuous states with their derivatives, NZ event indicators (variables whose sign
 * changes are state events) and H_MAX, the internal
 * step of the co-simulation solver. The model supplies:
 *
 *   static void model_calculate(Model *m);              derivatives and outputs from states, inputs, time
 *   static void model_event_update(Model *m);           the jumps at a time or state event; sets next_event_time
 *
 * and may call model_fail(m, STATUS_DISCARD or STATUS_ERROR, ...) to refuse a step or stop the run, or set
 * m->terminate to ask the importer to end the simulation (at an event). String and Binary variables live in
 * m->str[vr] and m->bin[vr] (m->bin_size[vr] bytes); VR_<name> is a variable's value reference.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vars.h"

enum { STATUS_OK = 0, STATUS_WARNING = 1, STATUS_DISCARD = 2, STATUS_ERROR = 3 };

typedef struct Model {
    double time;
    double r[NR];               /* every variable, from slot SLOT[value reference] on */
    double r0[NR];              /* values at the start of the current communication step (S_ macros) */
    char str[NV][64];           /* String variables */
    unsigned char bin[NV][64];  /* Binary variables ... */
    size_t bin_size[NV];        /* ... and their sizes */
    double z[NZ + 1];           /* event indicators after the last step (CS state event detection) */
    int next_event_defined;
    double next_event_time;
    int terminate;
    int status;                 /* worst status since the last FMI call */
    char message[512];
    void (*log)(struct Model *m, int status, const char *message);
    void *env;                  /* the wrapper's logger context */
} Model;

static void model_fail(Model *m, int status, const char *format, ...) {
    va_list args;
    if (status <= m->status) return;  /* the first reason is the one reported */
    va_start(args, format);
    vsnprintf(m->message, sizeof m->message, format, args);
    va_end(args);
    m->status = status;
    if (m->log) m->log(m, status, m->message);
}

static void model_calculate(Model *m);
static void model_event_update(Model *m);

/* -- the co-simulation solver: classical Runge-Kutta with internal steps of at most H_MAX ----------------------- */

static void rk4_step(Model *m, double h) {
    double x[NX + 1], k[4][NX + 1];
    const double t = m->time, c[4] = {0.0, 0.5, 0.5, 1.0};
    for (int i = 0; i < NX; i++) x[i] = m->r[STATE_VR[i]];
    for (int s = 0; s < 4; s++) {
        m->time = t + c[s] * h;
        for (int i = 0; i < NX; i++) m->r[STATE_VR[i]] = x[i] + (s ? c[s] * h * k[s - 1][i] : 0.0);
        model_calculate(m);
        for (int i = 0; i < NX; i++) k[s][i] = m->r[DER_VR[i]];
    }
    for (int i = 0; i < NX; i++) m->r[STATE_VR[i]] = x[i] + h / 6.0 * (k[0][i] + 2 * k[1][i] + 2 * k[2][i] + k[3][i]);
    m->time = t + h;
    model_calculate(m);
}

static void model_event_indicators(Model *m, double z[]) {
    for (int i = 0; i < NZ; i++) z[i] = m->r[INDICATOR_VR[i]];
}

static int state_event(Model *m) {
    double z[NZ + 1];
    int event = 0;
    if (NZ == 0) return 0;
    model_event_indicators(m, z);
    for (int i = 0; i < NZ; i++) {
        if ((m->z[i] > 0) != (z[i] > 0)) event = 1;
        m->z[i] = z[i];
    }
    return event;
}

/* Advance from t to t + h; on a discard the model is put back where it was at t. */
static int cs_do_step(Model *m, double t, double h) {
    const double t_end = t + h, eps = 1e-12 * (1.0 + fabs(t_end));
    Model saved = *m;
    m->time = t;
    m->status = STATUS_OK;
    memcpy(m->r0, m->r, sizeof m->r);
    while (m->time < t_end - eps && m->status < STATUS_DISCARD && !m->terminate) {
        double step = fmin(H_MAX, t_end - m->time);
        int time_event = 0;
        if (m->next_event_defined && m->next_event_time < m->time + step + eps) {
            step = m->next_event_time - m->time;
            time_event = 1;
        }
        if (t_end - (m->time + step) < eps) step = t_end - m->time;
        if (step > 0) rk4_step(m, step);
        if (time_event || state_event(m)) {
            model_event_update(m);
            model_calculate(m);
            if (NZ) model_event_indicators(m, m->z);
        }
    }
    if (!m->terminate) m->time = t_end;  /* an FMU that ends the simulation stays at the event */
    if (m->status == STATUS_DISCARD) {
        int status = m->status;
        char message[sizeof m->message];
        memcpy(message, m->message, sizeof message);
        *m = saved;
        m->status = status;
        memcpy(m->message, message, sizeof message);
    }
    return m->status;
}

static void model_reset(Model *m) {
    static const double start[NR] = START_VALUES;
    memcpy(m->r, start, sizeof m->r);
    memcpy(m->r0, start, sizeof m->r0);
    for (int i = 0; i < NV; i++) {
        static const char *strings[NV + 1] = STRING_STARTS, *binaries[NV + 1] = BINARY_STARTS;
        unsigned int byte;
        snprintf(m->str[i], sizeof m->str[i], "%s", strings[i] ? strings[i] : "");
        m->bin_size[i] = 0;
        for (const char *h = binaries[i]; h && h[0] && h[1] && m->bin_size[i] < sizeof m->bin[i]; h += 2)
            if (sscanf(h, "%2x", &byte) == 1) m->bin[i][m->bin_size[i]++] = (unsigned char)byte;
    }
    m->time = 0.0;
    m->next_event_defined = 0;
    m->terminate = 0;
    m->status = STATUS_OK;
    m->message[0] = 0;
}

/* After initialization: outputs, indicators and the first time event. */
static void model_start(Model *m) {
    model_calculate(m);
    model_event_update(m);
    model_calculate(m);
    if (NZ) model_event_indicators(m, m->z);
}
