/* A damped spring-mass oscillator, pushed by the input force F and, from t_step on, by F_step (a time event). */

static void model_calculate(Model *m) {
    V_der_x = V_v;
    V_der_v = (V_F + V_F_ext - V_k * V_x - V_d * V_v) / V_mass;
}

static void model_event_update(Model *m) {
    const int stepped = m->time >= V_t_step - 1e-12 * (1.0 + fabs(V_t_step));
    V_F_ext = stepped ? V_F_step : 0.0;
    m->next_event_defined = !stepped;
    m->next_event_time = V_t_step;
}
