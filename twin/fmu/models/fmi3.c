/* FMI 3.0 wrapper (Co-Simulation and Model Exchange) around one model; see model.h. */
#include "fmi3FunctionTypes.h"

#include "model.h"
#include MODEL_SOURCE

#define EXPORT __attribute__((visibility("default")))

typedef struct {
    Model m;
    fmi3InstanceEnvironment env;
    fmi3LogMessageCallback log_message;
} Instance;

typedef struct { Model m; } State;

static void log_to_env(Model *m, int status, const char *message) {
    Instance *in = (Instance *)m->env;
    if (in->log_message)
        in->log_message(in->env, (fmi3Status)status, status >= STATUS_ERROR ? "logStatusError" : "logStatusDiscard",
                        message);
}

static fmi3Status done(Instance *in) {
    int status = in->m.status;
    in->m.status = STATUS_OK;
    return (fmi3Status)status;
}

static Instance *instantiate(fmi3String token, fmi3InstanceEnvironment env, fmi3LogMessageCallback log_message) {
    Instance *in;
    if (!token || strcmp(token, GUID) != 0) return NULL;
    in = calloc(1, sizeof(Instance));
    in->env = env;
    in->log_message = log_message;
    model_reset(&in->m);
    in->m.log = log_to_env;
    in->m.env = in;
    return in;
}

EXPORT const char *fmi3GetVersion(void) { return "3.0"; }
EXPORT fmi3Status fmi3SetDebugLogging(fmi3Instance c, fmi3Boolean on, size_t n, const fmi3String categories[]) {
    return fmi3OK;
}

EXPORT fmi3Instance fmi3InstantiateModelExchange(fmi3String name, fmi3String token, fmi3String resources,
                                                 fmi3Boolean visible, fmi3Boolean logging, fmi3InstanceEnvironment env,
                                                 fmi3LogMessageCallback log_message) {
    return instantiate(token, env, log_message);
}

EXPORT fmi3Instance fmi3InstantiateCoSimulation(fmi3String name, fmi3String token, fmi3String resources,
                                                fmi3Boolean visible, fmi3Boolean logging, fmi3Boolean event_mode_used,
                                                fmi3Boolean early_return_allowed, const fmi3ValueReference required[],
                                                size_t n_required, fmi3InstanceEnvironment env,
                                                fmi3LogMessageCallback log_message,
                                                fmi3IntermediateUpdateCallback intermediate_update) {
    return instantiate(token, env, log_message);
}

EXPORT fmi3Instance fmi3InstantiateScheduledExecution() { return NULL; }

EXPORT void fmi3FreeInstance(fmi3Instance c) { free(c); }

EXPORT fmi3Status fmi3EnterInitializationMode(fmi3Instance c, fmi3Boolean tol_defined, fmi3Float64 tol,
                                              fmi3Float64 start, fmi3Boolean stop_defined, fmi3Float64 stop) {
    ((Instance *)c)->m.time = start;
    return fmi3OK;
}

EXPORT fmi3Status fmi3ExitInitializationMode(fmi3Instance c) {
    Instance *in = c;
    model_start(&in->m);
    return done(in);
}

EXPORT fmi3Status fmi3EnterEventMode(fmi3Instance c) { return fmi3OK; }
EXPORT fmi3Status fmi3Terminate(fmi3Instance c) { return fmi3OK; }
EXPORT fmi3Status fmi3Reset(fmi3Instance c) {
    model_reset(&((Instance *)c)->m);
    return fmi3OK;
}

/* -- values: every variable is doubles from m.r[SLOT[vr]]; the independent variable time comes last -------- */

static double value_of(const Model *m, fmi3ValueReference vr, size_t k) {
    return vr == NV ? m->time : m->r[SLOT[vr] + k];
}

#define CHECK_VR(vr) if ((vr) > NV) { model_fail(&in->m, STATUS_ERROR, "no variable has value reference %u", (vr)); \
                                     return done(in); }

#define GETTER(Type, CType)                                                                                        \
    EXPORT fmi3Status fmi3Get##Type(fmi3Instance c, const fmi3ValueReference vr[], size_t n, CType value[],       \
                                    size_t n_values) {                                                             \
        Instance *in = c;                                                                                          \
        size_t v = 0;                                                                                              \
        for (size_t i = 0; i < n; i++) {                                                                           \
            CHECK_VR(vr[i]);                                                                                       \
            for (size_t k = 0; k < (vr[i] < NV ? SIZE[vr[i]] : 1) && v < n_values; k++)                            \
                value[v++] = (CType)value_of(&in->m, vr[i], k);                                                    \
        }                                                                                                          \
        return fmi3OK;                                                                                             \
    }

/* Setting a value recomputes the outputs, so that direct feedthrough is seen at once. */
#define SETTER(Type, CType)                                                                                        \
    EXPORT fmi3Status fmi3Set##Type(fmi3Instance c, const fmi3ValueReference vr[], size_t n, const CType value[], \
                                    size_t n_values) {                                                             \
        Instance *in = c;                                                                                          \
        size_t v = 0;                                                                                              \
        for (size_t i = 0; i < n; i++) {                                                                           \
            CHECK_VR(vr[i]);                                                                                       \
            for (size_t k = 0; k < (vr[i] < NV ? SIZE[vr[i]] : 1) && v < n_values; k++, v++)                      \
                if (vr[i] < NV) in->m.r[SLOT[vr[i]] + k] = (double)value[v];                                       \
        }                                                                                                          \
        model_calculate(&in->m);                                                                                   \
        return done(in);                                                                                           \
    }

#define GETSET(Type, CType) GETTER(Type, CType) SETTER(Type, CType)
GETSET(Float32, fmi3Float32)
GETSET(Float64, fmi3Float64)
GETSET(Int8, fmi3Int8)
GETSET(UInt8, fmi3UInt8)
GETSET(Int16, fmi3Int16)
GETSET(UInt16, fmi3UInt16)
GETSET(Int32, fmi3Int32)
GETSET(UInt32, fmi3UInt32)
GETSET(Int64, fmi3Int64)
GETSET(UInt64, fmi3UInt64)
GETSET(Boolean, fmi3Boolean)

EXPORT fmi3Status fmi3GetString(fmi3Instance c, const fmi3ValueReference vr[], size_t n, fmi3String value[],
                                size_t n_values) {
    Instance *in = c;
    for (size_t i = 0; i < n; i++) { CHECK_VR(vr[i]); value[i] = in->m.str[vr[i]]; }
    return fmi3OK;
}

EXPORT fmi3Status fmi3SetString(fmi3Instance c, const fmi3ValueReference vr[], size_t n, const fmi3String value[],
                                size_t n_values) {
    Instance *in = c;
    for (size_t i = 0; i < n; i++) {
        CHECK_VR(vr[i]);
        snprintf(in->m.str[vr[i]], sizeof in->m.str[vr[i]], "%s", value[i] ? value[i] : "");
    }
    model_calculate(&in->m);
    return done(in);
}

EXPORT fmi3Status fmi3GetBinary(fmi3Instance c, const fmi3ValueReference vr[], size_t n, size_t sizes[],
                                fmi3Binary value[], size_t n_values) {
    Instance *in = c;
    for (size_t i = 0; i < n; i++) { CHECK_VR(vr[i]); value[i] = in->m.bin[vr[i]]; sizes[i] = in->m.bin_size[vr[i]]; }
    return fmi3OK;
}

EXPORT fmi3Status fmi3SetBinary(fmi3Instance c, const fmi3ValueReference vr[], size_t n, const size_t sizes[],
                                const fmi3Binary value[], size_t n_values) {
    Instance *in = c;
    for (size_t i = 0; i < n; i++) {
        CHECK_VR(vr[i]);
        in->m.bin_size[vr[i]] = sizes[i] < sizeof in->m.bin[0] ? sizes[i] : sizeof in->m.bin[0];
        memcpy(in->m.bin[vr[i]], value[i], in->m.bin_size[vr[i]]);
    }
    model_calculate(&in->m);
    return done(in);
}

/* What the test models do not use. */
#define UNSUPPORTED(name) EXPORT fmi3Status name() { return fmi3Error; }
UNSUPPORTED(fmi3GetClock) UNSUPPORTED(fmi3SetClock)
UNSUPPORTED(fmi3GetNumberOfVariableDependencies) UNSUPPORTED(fmi3GetVariableDependencies)
UNSUPPORTED(fmi3GetDirectionalDerivative) UNSUPPORTED(fmi3GetAdjointDerivative)
UNSUPPORTED(fmi3EnterConfigurationMode) UNSUPPORTED(fmi3ExitConfigurationMode)
UNSUPPORTED(fmi3GetIntervalDecimal) UNSUPPORTED(fmi3GetIntervalFraction) UNSUPPORTED(fmi3GetShiftDecimal)
UNSUPPORTED(fmi3GetShiftFraction) UNSUPPORTED(fmi3SetIntervalDecimal) UNSUPPORTED(fmi3SetIntervalFraction)
UNSUPPORTED(fmi3SetShiftDecimal) UNSUPPORTED(fmi3SetShiftFraction) UNSUPPORTED(fmi3EvaluateDiscreteStates)
UNSUPPORTED(fmi3GetOutputDerivatives) UNSUPPORTED(fmi3ActivateModelPartition)

/* -- FMU state: a copy of the model ---------------------------------------------------------------------------- */

EXPORT fmi3Status fmi3GetFMUState(fmi3Instance c, fmi3FMUState *state) {
    if (!*state) *state = malloc(sizeof(State));
    ((State *)*state)->m = ((Instance *)c)->m;
    return fmi3OK;
}

EXPORT fmi3Status fmi3SetFMUState(fmi3Instance c, fmi3FMUState state) {
    Instance *in = c;
    Model m = ((State *)state)->m;
    m.log = in->m.log;
    m.env = in->m.env;
    in->m = m;
    return fmi3OK;
}

EXPORT fmi3Status fmi3FreeFMUState(fmi3Instance c, fmi3FMUState *state) {
    free(*state);
    *state = NULL;
    return fmi3OK;
}

EXPORT fmi3Status fmi3SerializedFMUStateSize(fmi3Instance c, fmi3FMUState state, size_t *size) {
    *size = sizeof(State);
    return fmi3OK;
}

EXPORT fmi3Status fmi3SerializeFMUState(fmi3Instance c, fmi3FMUState state, fmi3Byte bytes[], size_t size) {
    memcpy(bytes, state, sizeof(State));
    return fmi3OK;
}

EXPORT fmi3Status fmi3DeserializeFMUState(fmi3Instance c, const fmi3Byte bytes[], size_t size, fmi3FMUState *state) {
    if (!*state) *state = malloc(sizeof(State));
    memcpy(*state, bytes, sizeof(State));
    return fmi3OK;
}

/* -- Model Exchange ------------------------------------------------------------------------------------------- */

EXPORT fmi3Status fmi3UpdateDiscreteStates(fmi3Instance c, fmi3Boolean *need_update, fmi3Boolean *terminate,
                                           fmi3Boolean *nominals_changed, fmi3Boolean *values_changed,
                                           fmi3Boolean *next_event_defined, fmi3Float64 *next_event_time) {
    Instance *in = c;
    model_calculate(&in->m);
    model_event_update(&in->m);
    model_calculate(&in->m);
    *need_update = fmi3False;
    *terminate = in->m.terminate;
    *nominals_changed = fmi3False;
    *values_changed = fmi3True;
    *next_event_defined = in->m.next_event_defined;
    *next_event_time = in->m.next_event_time;
    return done(in);
}

EXPORT fmi3Status fmi3EnterContinuousTimeMode(fmi3Instance c) { return fmi3OK; }

EXPORT fmi3Status fmi3CompletedIntegratorStep(fmi3Instance c, fmi3Boolean no_set_state, fmi3Boolean *enter_event_mode,
                                              fmi3Boolean *terminate) {
    *enter_event_mode = fmi3False;
    *terminate = ((Instance *)c)->m.terminate;
    return fmi3OK;
}

EXPORT fmi3Status fmi3SetTime(fmi3Instance c, fmi3Float64 time) {
    ((Instance *)c)->m.time = time;
    return fmi3OK;
}

EXPORT fmi3Status fmi3SetContinuousStates(fmi3Instance c, const fmi3Float64 x[], size_t nx) {
    Instance *in = c;
    for (size_t i = 0; i < nx && i < NX; i++) in->m.r[STATE_VR[i]] = x[i];
    return fmi3OK;
}

EXPORT fmi3Status fmi3GetContinuousStateDerivatives(fmi3Instance c, fmi3Float64 dx[], size_t nx) {
    Instance *in = c;
    model_calculate(&in->m);
    for (size_t i = 0; i < nx && i < NX; i++) dx[i] = in->m.r[DER_VR[i]];
    return done(in);
}

EXPORT fmi3Status fmi3GetEventIndicators(fmi3Instance c, fmi3Float64 z[], size_t nz) {
    Instance *in = c;
    double all[NZ + 1];
    model_calculate(&in->m);
    model_event_indicators(&in->m, all);
    for (size_t i = 0; i < nz && i < NZ; i++) z[i] = all[i];
    return done(in);
}

EXPORT fmi3Status fmi3GetContinuousStates(fmi3Instance c, fmi3Float64 x[], size_t nx) {
    Instance *in = c;
    for (size_t i = 0; i < nx && i < NX; i++) x[i] = in->m.r[STATE_VR[i]];
    return fmi3OK;
}

EXPORT fmi3Status fmi3GetNominalsOfContinuousStates(fmi3Instance c, fmi3Float64 nominal[], size_t nx) {
    for (size_t i = 0; i < nx; i++) nominal[i] = 1.0;
    return fmi3OK;
}

EXPORT fmi3Status fmi3GetNumberOfEventIndicators(fmi3Instance c, size_t *n) {
    *n = NZ;
    return fmi3OK;
}

EXPORT fmi3Status fmi3GetNumberOfContinuousStates(fmi3Instance c, size_t *n) {
    *n = NX;
    return fmi3OK;
}

/* -- Co-Simulation -------------------------------------------------------------------------------------------- */

EXPORT fmi3Status fmi3EnterStepMode(fmi3Instance c) { return fmi3OK; }

EXPORT fmi3Status fmi3DoStep(fmi3Instance c, fmi3Float64 t, fmi3Float64 h, fmi3Boolean no_set_state,
                             fmi3Boolean *event_handling_needed, fmi3Boolean *terminate, fmi3Boolean *early_return,
                             fmi3Float64 *last_successful_time) {
    Instance *in = c;
    cs_do_step(&in->m, t, h);
    *event_handling_needed = fmi3False;
    *terminate = in->m.terminate;
    *early_return = fmi3False;
    *last_successful_time = in->m.time;
    return done(in);
}
