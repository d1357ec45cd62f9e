/* A jacketed batch reactor: an exothermic first-order reaction (Arrhenius rate) heats the charge, the jacket at
 * T_jacket cools it through UA. The FMU refuses a step in which T moves more than dT_max (status discard) and stops
 * with an error once T exceeds T_max, as a real reactor model guards its range of validity. */

static void model_calculate(Model *m) {
    const double rate = V_k0 * exp(-V_Ea_R / V_T) * V_c;          /* mol/(m3 s) */
    V_Q_rxn = -V_dH * rate * V_volume;                              /* W */
    V_der_c = -rate;
    V_der_T = (V_Q_rxn - V_UA * (V_T - V_T_jacket)) / V_m_cp;
    V_alarm = V_T > V_T_alarm;
    if (V_T > V_T_max)
        model_fail(m, STATUS_ERROR, "T = %.2f K exceeds T_max = %.2f K at t = %g s", V_T, V_T_max, m->time);
    else if (fabs(V_T - S_T) > V_dT_max)
        model_fail(m, STATUS_DISCARD, "T changed by %.2f K in one step (dT_max = %.2f K): take a shorter step",
                   fabs(V_T - S_T), V_dT_max);
}

static void model_event_update(Model *m) {}
