/* A static gain y = k u + b: the output feeds straight through from the input (no state). */

static void model_calculate(Model *m) {
    V_y = V_k * V_u + V_b;
}

static void model_event_update(Model *m) {}
