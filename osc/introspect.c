/* osc/introspect.c: /list, /dump (also the answer to /subscribe), /info and /status. Long
 * answers are jobs paced over the loop's ticks, a few bundles at a time, so a client's socket
 * buffer never overflows and the loop keeps serving everyone else meanwhile. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "osc/internal.h"

int osc_job_start(struct osc *o, enum osc_job_kind kind, const struct osc_addr *to,
                  enum osc_flavour fl, int by_name, const char *prefix)
{
    struct osc_job *j = NULL;
    for (unsigned i = 0; i < OSC_MAX_JOBS; i++) {
        /* One job per destination and kind: a repeated request restarts it. */
        if (o->jobs[i].kind == kind && osc_addr_eq(&o->jobs[i].to, to)) {
            j = &o->jobs[i];
            break;
        }
        if (o->jobs[i].kind == JOB_NONE && !j) j = &o->jobs[i];
    }
    if (!j) return -EBUSY;
    if (prefix && strlen(prefix) >= sizeof j->prefix) return -EINVAL;
    j->kind = kind;
    j->to = *to;
    j->flavour = fl;
    j->by_name = by_name;
    snprintf(j->prefix, sizeof j->prefix, "%s", prefix ? prefix : "");
    j->next = 0;
    j->count = 0;
    return 0;
}

static const char *type_name(const struct param_def *d, char *buf, size_t len)
{
    switch (d->type) {
    case PT_BOOL:
        return "bool";
    case PT_ENUM:
        snprintf(buf, len, "enum:%s", d->enums);
        return buf;
    case PT_STEM:
        return "stem";
    default:
        return "float";
    }
}

/* A prefix selects a path when either form (stem by name or by index) starts with it. */
static int selected(struct osc *o, const struct param_ref *ref, const char *prefix)
{
    char p[OSC_PATH_MAX];
    size_t l = strlen(prefix);
    if (!l) return 1;
    osc_param_path(o, ref, 1, FL_UNITS, p, sizeof p);
    if (strncmp(p, prefix, l) == 0) return 1;
    osc_param_path(o, ref, 0, FL_UNITS, p, sizeof p);
    return strncmp(p, prefix, l) == 0;
}

/* A pattern query selects the paths it matches, stems by name or by index. */
static int matches(struct osc *o, const struct param_ref *ref, const char *pattern)
{
    char p[OSC_PATH_MAX];
    osc_param_path(o, ref, 1, FL_UNITS, p, sizeof p);
    if (osc_glob(pattern, p) == 1) return 1;
    osc_param_path(o, ref, 0, FL_UNITS, p, sizeof p);
    return osc_glob(pattern, p) == 1;
}

static void job_step(struct osc *o, struct osc_job *j)
{
    struct osc_out out;
    unsigned sent = 0;
    out_init(&out, o, &j->to);
    while (j->next < o->nparams) {
        struct param_ref ref;
        char path[OSC_PATH_MAX], tn[128];
        params_ref_at(o->nstems, j->next++, &ref);
        if (j->kind == JOB_QUERY ? !matches(o, &ref, j->prefix) : !selected(o, &ref, j->prefix))
            continue;
        j->count++;
        if (j->kind == JOB_LIST) {
            float max = ref.def->type == PT_STEM ? (float)o->nstems : ref.def->max;
            osc_param_path(o, &ref, 1, FL_UNITS, path, sizeof path);
            out_msg(&out, "/list/reply", "sssfffs", path, type_name(ref.def, tn, sizeof tn),
                    ref.def->unit, (double)ref.def->min, (double)max, (double)ref.def->def,
                    ref.def->desc);
        } else {
            float v;
            char e[8];
            osc_param_path(o, &ref, 1, FL_UNITS, path, sizeof path);
            if (stemd_get(o->sd, path, &v, e, sizeof e) < 0) continue;
            if (j->kind == JOB_QUERY) {
                osc_param_path(o, &ref, 1, j->flavour, path, sizeof path);
                osc_add_value(o, &out, path, &ref, v, j->flavour);
            } else if (j->flavour == FL_NORM) {
                osc_param_path(o, &ref, j->by_name, FL_NORM, path, sizeof path);
                osc_add_value(o, &out, path, &ref, v, FL_NORM);
                osc_param_path(o, &ref, j->by_name, FL_TEXT, path, sizeof path);
                osc_add_value(o, &out, path, &ref, v, FL_TEXT);
            } else {
                osc_param_path(o, &ref, j->by_name, FL_UNITS, path, sizeof path);
                osc_add_value(o, &out, path, &ref, v, FL_UNITS);
            }
        }
        /* A full bundle has gone out when the buffer restarted: count datagrams. */
        if (out.b.n == 1 && ++sent >= OSC_JOB_BURST) break;
    }
    if (j->next >= o->nparams) {
        if (j->kind != JOB_QUERY)
            out_msg(&out, j->kind == JOB_LIST ? "/list/end" : "/dump/end", "i", (int)j->count);
        j->kind = JOB_NONE;
    }
    out_flush(&out);
}

void osc_jobs_run(struct osc *o)
{
    for (unsigned i = 0; i < OSC_MAX_JOBS; i++)
        if (o->jobs[i].kind != JOB_NONE) job_step(o, &o->jobs[i]);
}

void osc_answer_info(struct osc *o, struct osc_out *out)
{
    struct oscw_builder *b = &o->bld;
    struct stemd_status st;
    stemd_status(o->sd, &st);
    oscw_b_init(b);
    oscw_b_str(b, o->cfg.name);
    oscw_b_str(b, STEMD_VERSION);
    oscw_b_int(b, (int32_t)st.rate_hz);
    oscw_b_int(b, (int32_t)st.period_frames);
    oscw_b_int(b, (int32_t)o->nstems);
    for (unsigned k = 0; k < o->nstems; k++)
        oscw_b_str(b, stemd_stem_name(o->sd, k));
    int len = oscw_b_finish(b, "/info", o->bigmsg, sizeof o->bigmsg);
    if (len > 0) out_add(out, o->bigmsg, len);
}

void osc_answer_status(struct osc *o, struct osc_out *out)
{
    struct stemd_status st;
    stemd_status(o->sd, &st);
    out_msg(out, "/status", "fiifiiii", (double)st.dsp_load_percent, (int)st.xruns,
            (int)st.latency_frames, st.uptime_s, (int)osc_subscribers(o), st.connected,
            (int)st.rate_hz, (int)st.period_frames);
}
