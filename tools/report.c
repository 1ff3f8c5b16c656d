/* tools/report.c: integrated loudness, LRA, true and sample peak of a master. */
#include "tools/report.h"

#include <math.h>

int report_init(struct report *r, double rate)
{
    int err = loudness_meter_init(&r->lm, rate);
    if (err < 0) return err;
    truepeak_init(&r->tp, rate);
    r->true_peak = r->sample_peak = 0.0f;
    return 0;
}

void report_free(struct report *r)
{
    loudness_meter_free(&r->lm);
}

void report_add(struct report *r, const float *l, const float *r_, unsigned n)
{
    loudness_meter_process(&r->lm, l, r_, n);
    truepeak_process(&r->tp, l, r_, n, NULL);
    float tp = truepeak_take_max(&r->tp);
    if (tp > r->true_peak) r->true_peak = tp;
    for (unsigned i = 0; i < n; i++) {
        float a = fabsf(l[i]), b = fabsf(r_[i]);
        if (a > r->sample_peak) r->sample_peak = a;
        if (b > r->sample_peak) r->sample_peak = b;
    }
}

static double lin_db(float x)
{
    return x > 0.0f ? 20.0 * log10(x) : -INFINITY;
}

void report_values(const struct report *r, struct report_values *v)
{
    v->integrated_lufs = loudness_integrated(r->lm.gate);
    v->lra_lu = loudness_lra(r->lm.gate);
    v->true_peak_dbtp = lin_db(r->true_peak);
    v->sample_peak_dbfs = lin_db(r->sample_peak);
    v->momentary_max_lufs = loudness_momentary_max(r->lm.gate);
    v->short_term_max_lufs = loudness_short_term_max(r->lm.gate);
}

static void json_num(FILE *f, const char *key, double x, int last)
{
    if (isfinite(x))
        fprintf(f, "\"%s\": %.2f%s", key, x, last ? "" : ", ");
    else
        fprintf(f, "\"%s\": null%s", key, last ? "" : ", ");
}

static void text_num(FILE *f, const char *label, double x, const char *unit)
{
    if (isfinite(x))
        fprintf(f, "  %-22s %7.1f %s\n", label, x, unit);
    else
        fprintf(f, "  %-22s    -inf %s\n", label, unit);
}

void report_print(FILE *f, const struct report_values *v, int json)
{
    if (json) {
        fprintf(f, "{");
        json_num(f, "integrated_lufs", v->integrated_lufs, 0);
        json_num(f, "lra_lu", v->lra_lu, 0);
        json_num(f, "true_peak_dbtp", v->true_peak_dbtp, 0);
        json_num(f, "sample_peak_dbfs", v->sample_peak_dbfs, 0);
        json_num(f, "momentary_max_lufs", v->momentary_max_lufs, 0);
        json_num(f, "short_term_max_lufs", v->short_term_max_lufs, 1);
        fprintf(f, "}\n");
        return;
    }
    fprintf(f, "Loudness report (ITU-R BS.1770-4 / EBU R128)\n");
    text_num(f, "integrated:", v->integrated_lufs, "LUFS");
    text_num(f, "loudness range:", v->lra_lu, "LU");
    text_num(f, "true peak:", v->true_peak_dbtp, "dBTP");
    text_num(f, "sample peak:", v->sample_peak_dbfs, "dBFS");
    text_num(f, "momentary max:", v->momentary_max_lufs, "LUFS");
    text_num(f, "short-term max:", v->short_term_max_lufs, "LUFS");
}
