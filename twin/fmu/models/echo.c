/* Text and bytes straight through: s_out = label + s_in, b_out = b_in (FMI 3 only) and n_out = length of s_in. */

static void model_calculate(Model *m) {
    snprintf(m->str[VR_s_out], sizeof m->str[0], "%s", m->str[VR_s_in]);
    memcpy(m->bin[VR_b_out], m->bin[VR_b_in], m->bin_size[VR_b_in]);
    m->bin_size[VR_b_out] = m->bin_size[VR_b_in];
    V_n_out = (double)strlen(m->str[VR_s_in]);
}

static void model_event_update(Model *m) {}
