/* FMI 2.0 wrapper (Co-Simulation and Model Exchange) around one model; see model.h. */
#include "fmi2FunctionTypes.h"

#include "model.h"
#include MODEL_SOURCE

#define EXPORT __attribute__((visibility("default")))

typedef struct {
    Model m;
    fmi2CallbackFunctions callbacks;
    char name[128];
    int is_cs;
} Instance;

typedef struct { Model m; } State;

static void log_to_env(Model *m, int status, const char *message) {
    Instance *in = (Instance *)m->env;
    if (in->callbacks.logger)
        in->callbacks.logger(in->callbacks.componentEnvironment, in->name, (fmi2Status)status,
                             status >= STATUS_ERROR ? "logStatusError" : "logStatusDiscard", "%s", message);
}

static fmi2Status done(Instance *in) {
    int status = in->m.status;
    in->m.status = STATUS_OK;
    return (fmi2Status)status;
}

EXPORT const char *fmi2GetTypesPlatform(void) { return "default"; }
EXPORT const char *fmi2GetVersion(void) { return "2.0"; }
EXPORT fmi2Status fmi2SetDebugLogging(fmi2Component c, fmi2Boolean on, size_t n, const fmi2String categories[]) {
    return fmi2OK;
}

EXPORT fmi2Component fmi2Instantiate(fmi2String name, fmi2Type type, fmi2String guid, fmi2String resources,
                                     const fmi2CallbackFunctions *callbacks, fmi2Boolean visible, fmi2Boolean logging) {
    Instance *in;
    if (!guid || strcmp(guid, GUID) != 0) return NULL;
    in = calloc(1, sizeof(Instance));
    in->callbacks = *callbacks;
    snprintf(in->name, sizeof in->name, "%s", name ? name : "");
    in->is_cs = type == fmi2CoSimulation;
    model_reset(&in->m);
    in->m.log = log_to_env;
    in->m.env = in;
    return in;
}

EXPORT void fmi2FreeInstance(fmi2Component c) { free(c); }

EXPORT fmi2Status fmi2SetupExperiment(fmi2Component c, fmi2Boolean tol_defined, fmi2Real tol, fmi2Real start,
                                      fmi2Boolean stop_defined, fmi2Real stop) {
    ((Instance *)c)->m.time = start;
    return fmi2OK;
}

EXPORT fmi2Status fmi2EnterInitializationMode(fmi2Component c) { return fmi2OK; }

EXPORT fmi2Status fmi2ExitInitializationMode(fmi2Component c) {
    Instance *in = c;
    model_start(&in->m);
    return done(in);
}

EXPORT fmi2Status fmi2Terminate(fmi2Component c) { return fmi2OK; }

EXPORT fmi2Status fmi2Reset(fmi2Component c) {
    model_reset(&((Instance *)c)->m);
    return fmi2OK;
}

/* -- values: every variable is a double in m.r[SLOT[vr]] --------------------------------------------------------- */

#define CHECK_VR(vr) if ((vr) >= NV) { model_fail(&in->m, STATUS_ERROR, "no variable has value reference %u", (vr)); \
                                     return done(in); }

EXPORT fmi2Status fmi2GetReal(fmi2Component c, const fmi2ValueReference vr[], size_t n, fmi2Real value[]) {
    Instance *in = c;
    for (size_t i = 0; i < n; i++) { CHECK_VR(vr[i]); value[i] = in->m.r[SLOT[vr[i]]]; }
    return fmi2OK;
}

EXPORT fmi2Status fmi2GetInteger(fmi2Component c, const fmi2ValueReference vr[], size_t n, fmi2Integer value[]) {
    Instance *in = c;
    for (size_t i = 0; i < n; i++) { CHECK_VR(vr[i]); value[i] = (fmi2Integer)in->m.r[SLOT[vr[i]]]; }
    return fmi2OK;
}

EXPORT fmi2Status fmi2GetBoolean(fmi2Component c, const fmi2ValueReference vr[], size_t n, fmi2Boolean value[]) {
    Instance *in = c;
    for (size_t i = 0; i < n; i++) { CHECK_VR(vr[i]); value[i] = in->m.r[SLOT[vr[i]]] != 0.0; }
    return fmi2OK;
}

EXPORT fmi2Status fmi2GetString(fmi2Component c, const fmi2ValueReference vr[], size_t n, fmi2String value[]) {
    Instance *in = c;
    for (size_t i = 0; i < n; i++) { CHECK_VR(vr[i]); value[i] = in->m.str[vr[i]]; }
    return fmi2OK;
}

/* Setting a value recomputes the outputs, so that direct feedthrough is seen at once. */
#define SETTER(Type, CType)                                                                                        \
    EXPORT fmi2Status fmi2Set##Type(fmi2Component c, const fmi2ValueReference vr[], size_t n, const CType value[]) { \
        Instance *in = c;                                                                                          \
        for (size_t i = 0; i < n; i++) { CHECK_VR(vr[i]); in->m.r[SLOT[vr[i]]] = (double)value[i]; }                    \
        model_calculate(&in->m);                                                                                   \
        return done(in);                                                                                           \
    }
SETTER(Real, fmi2Real)
SETTER(Integer, fmi2Integer)
SETTER(Boolean, fmi2Boolean)

EXPORT fmi2Status fmi2SetString(fmi2Component c, const fmi2ValueReference vr[], size_t n, const fmi2String value[]) {
    Instance *in = c;
    for (size_t i = 0; i < n; i++) {
        CHECK_VR(vr[i]);
        snprintf(in->m.str[vr[i]], sizeof in->m.str[vr[i]], "%s", value[i] ? value[i] : "");
    }
    model_calculate(&in->m);
    return done(in);
}

/* -- FMU state: a copy of the model ---------------------------------------------------------------------------- */

EXPORT fmi2Status fmi2GetFMUstate(fmi2Component c, fmi2FMUstate *state) {
    if (!*state) *state = malloc(sizeof(State));
    ((State *)*state)->m = ((Instance *)c)->m;
    return fmi2OK;
}

EXPORT fmi2Status fmi2SetFMUstate(fmi2Component c, fmi2FMUstate state) {
    Instance *in = c;
    Model m = ((State *)state)->m;
    m.log = in->m.log;
    m.env = in->m.env;
    in->m = m;
    return fmi2OK;
}

EXPORT fmi2Status fmi2FreeFMUstate(fmi2Component c, fmi2FMUstate *state) {
    free(*state);
    *state = NULL;
    return fmi2OK;
}

EXPORT fmi2Status fmi2SerializedFMUstateSize(fmi2Component c, fmi2FMUstate state, size_t *size) {
    *size = sizeof(State);
    return fmi2OK;
}

EXPORT fmi2Status fmi2SerializeFMUstate(fmi2Component c, fmi2FMUstate state, fmi2Byte bytes[], size_t size) {
    memcpy(bytes, state, sizeof(State));
    return fmi2OK;
}

EXPORT fmi2Status fmi2DeSerializeFMUstate(fmi2Component c, const fmi2Byte bytes[], size_t size, fmi2FMUstate *state) {
    if (!*state) *state = malloc(sizeof(State));
    memcpy(*state, bytes, sizeof(State));
    return fmi2OK;
}

EXPORT fmi2Status fmi2GetDirectionalDerivative() { return fmi2Error; }

/* -- Model Exchange ------------------------------------------------------------------------------------------- */

EXPORT fmi2Status fmi2EnterEventMode(fmi2Component c) { return fmi2OK; }

EXPORT fmi2Status fmi2NewDiscreteStates(fmi2Component c, fmi2EventInfo *info) {
    Instance *in = c;
    model_calculate(&in->m);
    model_event_update(&in->m);
    model_calculate(&in->m);
    info->newDiscreteStatesNeeded = fmi2False;
    info->terminateSimulation = in->m.terminate;
    info->nominalsOfContinuousStatesChanged = fmi2False;
    info->valuesOfContinuousStatesChanged = fmi2True;
    info->nextEventTimeDefined = in->m.next_event_defined;
    info->nextEventTime = in->m.next_event_time;
    return done(in);
}

EXPORT fmi2Status fmi2EnterContinuousTimeMode(fmi2Component c) { return fmi2OK; }

EXPORT fmi2Status fmi2CompletedIntegratorStep(fmi2Component c, fmi2Boolean no_set_state, fmi2Boolean *enter_event_mode,
                                              fmi2Boolean *terminate) {
    *enter_event_mode = fmi2False;
    *terminate = ((Instance *)c)->m.terminate;
    return fmi2OK;
}

EXPORT fmi2Status fmi2SetTime(fmi2Component c, fmi2Real time) {
    ((Instance *)c)->m.time = time;
    return fmi2OK;
}

EXPORT fmi2Status fmi2SetContinuousStates(fmi2Component c, const fmi2Real x[], size_t nx) {
    Instance *in = c;
    for (size_t i = 0; i < nx && i < NX; i++) in->m.r[STATE_VR[i]] = x[i];
    return fmi2OK;
}

EXPORT fmi2Status fmi2GetDerivatives(fmi2Component c, fmi2Real dx[], size_t nx) {
    Instance *in = c;
    model_calculate(&in->m);
    for (size_t i = 0; i < nx && i < NX; i++) dx[i] = in->m.r[DER_VR[i]];
    return done(in);
}

EXPORT fmi2Status fmi2GetEventIndicators(fmi2Component c, fmi2Real z[], size_t nz) {
    Instance *in = c;
    double all[NZ + 1];
    model_calculate(&in->m);
    model_event_indicators(&in->m, all);
    for (size_t i = 0; i < nz && i < NZ; i++) z[i] = all[i];
    return done(in);
}

EXPORT fmi2Status fmi2GetContinuousStates(fmi2Component c, fmi2Real x[], size_t nx) {
    Instance *in = c;
    for (size_t i = 0; i < nx && i < NX; i++) x[i] = in->m.r[STATE_VR[i]];
    return fmi2OK;
}

EXPORT fmi2Status fmi2GetNominalsOfContinuousStates(fmi2Component c, fmi2Real nominal[], size_t nx) {
    for (size_t i = 0; i < nx; i++) nominal[i] = 1.0;
    return fmi2OK;
}

/* -- Co-Simulation -------------------------------------------------------------------------------------------- */

EXPORT fmi2Status fmi2SetRealInputDerivatives() { return fmi2Error; }
EXPORT fmi2Status fmi2GetRealOutputDerivatives() { return fmi2Error; }
EXPORT fmi2Status fmi2CancelStep(fmi2Component c) { return fmi2Error; }

EXPORT fmi2Status fmi2DoStep(fmi2Component c, fmi2Real t, fmi2Real h, fmi2Boolean no_set_state) {
    Instance *in = c;
    cs_do_step(&in->m, t, h);
    if (in->m.terminate && in->m.status < STATUS_DISCARD) {  /* FMI 2: discard, then fmi2Terminated is true */
        in->m.status = STATUS_OK;
        return fmi2Discard;
    }
    return done(in);
}

EXPORT fmi2Status fmi2GetStatus(fmi2Component c, const fmi2StatusKind s, fmi2Status *value) { return fmi2Discard; }
EXPORT fmi2Status fmi2GetRealStatus(fmi2Component c, const fmi2StatusKind s, fmi2Real *value) {
    if (s != fmi2LastSuccessfulTime) return fmi2Discard;
    *value = ((Instance *)c)->m.time;
    return fmi2OK;
}
EXPORT fmi2Status fmi2GetIntegerStatus(fmi2Component c, const fmi2StatusKind s, fmi2Integer *value) {
    return fmi2Discard;
}
EXPORT fmi2Status fmi2GetBooleanStatus(fmi2Component c, const fmi2StatusKind s, fmi2Boolean *value) {
    if (s != fmi2Terminated) return fmi2Discard;
    *value = ((Instance *)c)->m.terminate;
    return fmi2OK;
}
EXPORT fmi2Status fmi2GetStringStatus(fmi2Component c, const fmi2StatusKind s, fmi2String *value) {
    return fmi2Discard;
}
