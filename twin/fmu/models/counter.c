/* A counter of the time events every `period` s from the start; it asks to end the simulation when it reaches
 * `last` (FMI 2 CS: discard and fmi2Terminated; FMI 3 CS: terminateSimulation; ME: at the event). */

static void model_calculate(Model *m) {}

static void model_event_update(Model *m) {
    if (!m->next_event_defined) {  /* at the start */
        m->next_event_defined = 1;
        m->next_event_time = m->time + V_period;
    } else if (m->time >= m->next_event_time - 1e-12 * (1.0 + fabs(m->time))) {
        V_count += 1;
        m->next_event_time += V_period;
    }
    if (V_count >= V_last) m->terminate = 1;
}
