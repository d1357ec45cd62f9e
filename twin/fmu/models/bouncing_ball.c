/* A ball falling under gravity g that bounces on the floor h = 0, losing speed by the factor e (a state event). */

static void model_calculate(Model *m) {
    V_der_h = V_v;
    V_der_v = -V_g;
}

static void model_event_update(Model *m) {
    if (V_h <= 0.0 && V_v < 0.0) V_v = -V_e * V_v;
}
