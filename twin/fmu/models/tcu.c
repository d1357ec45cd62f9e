/* A temperature-control unit: a PI controller sets the supply temperature of the jacket loop from the error
 * T_set - T; the jacket (heat capacity m_cp_j) follows the supply with time constant tau and exchanges UA with the
 * reactor at T. */

static void model_calculate(Model *m) {
    const double error = V_T_set - V_T;
    V_T_supply = V_T_set + V_Kp * (error + V_I / V_Ti);
    V_der_I = error;
    V_der_Tj = (V_T_supply - V_Tj) / V_tau + V_UA * (V_T - V_Tj) / V_m_cp_j;
}

static void model_event_update(Model *m) {}
