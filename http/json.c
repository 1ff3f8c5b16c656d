/* http/json.c: the text buffer replies are written into, with JSON's string and number rules. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/internal.h"

void jb_free(struct jbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static int grow(struct jbuf *b, size_t need)
{
    if (b->oom) return -1;
    if (b->len + need + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + need + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void jb_add(struct jbuf *b, const char *s, size_t n)
{
    if (grow(b, n) < 0) return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

void jb_puts(struct jbuf *b, const char *s)
{
    jb_add(b, s, strlen(s));
}

void jb_printf(struct jbuf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof tmp) {
        jb_add(b, tmp, (size_t)n);
        return;
    }
    if (grow(b, (size_t)n) < 0) return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void jb_str(struct jbuf *b, const char *s)
{
    jb_add(b, "\"", 1);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\') {
            char e[2] = {'\\', (char)*c};
            jb_add(b, e, 2);
        } else if (*c < 0x20) {
            jb_printf(b, "\\u%04x", *c);
        } else {
            jb_add(b, (const char *)c, 1);
        }
    }
    jb_add(b, "\"", 1);
}

void jb_num(struct jbuf *b, double v)
{
    if (isfinite(v))
        jb_printf(b, "%.9g", v);
    else
        jb_puts(b, "null");
}

void jb_float(struct jbuf *b, float v)
{
    if (!isfinite(v)) {
        jb_puts(b, "null");
        return;
    }
    /* The shortest text that reads back as the same float: 0.1, not 0.100000001. */
    char t[32];
    for (int prec = 6; prec <= 9; prec++) {
        snprintf(t, sizeof t, "%.*g", prec, (double)v);
        if (strtof(t, NULL) == v) break;
    }
    jb_puts(b, t);
}
