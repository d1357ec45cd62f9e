/* Element-wise gains on FMI 3 arrays, y[i] = k[i] u[i] + offset, and a scalar lag x of their sum. */

static void model_calculate(Model *m) {
    double sum = 0.0;
    for (int i = 0; i < 3; i++) {
        (&V_y)[i] = (&V_k)[i] * (&V_u)[i] + V_offset;
        sum += (&V_y)[i];
    }
    V_der_x = (sum - V_x) / V_tau;
}

static void model_event_update(Model *m) {}
