/* tools/layout.h: tablet layouts (TouchOSC, Open Stage Control) for a mix's stems, built from
 * the parameter table alone.
 *
 * layout_build turns the rows of dsp/params.def into pages of controls: one page per stem (its
 * rows in table order, grouped into sections by the row's first path segment and band), mixer
 * pages (fader, mute, solo and meters of at most LAYOUT_MIX_STRIPS stems each) and the master
 * page (the bus rows and the loudness readouts). Stem pages are grouped LAYOUT_STEMS_PER_GROUP
 * to a tab, so 24 stems stay a handful of top-level tabs. The writers (layout_tosc.c,
 * layout_ostc.c) only draw this model: a row added to the table appears on both with no other
 * edit.
 *
 * Every parameter control talks PATH/norm (0..1 through the row's taper): stemd answers a
 * /subscribe norm names with PATH/norm and PATH/text for every change, so the same address
 * moves the control both ways and a label shows the /text. Meters are stemd's /meters feedback
 * (osc/meters.c's addresses, stems by index). The layouts send "/subscribe norm names" when
 * they start, and renew the lease (any packet does) while they run. */
#ifndef STEMD_TOOLS_LAYOUT_H
#define STEMD_TOOLS_LAYOUT_H

#include <stdio.h>

#include "dsp/params.h"

#define LAYOUT_W               1280 /* the canvas, in points (a 10-13" tablet, landscape) */
#define LAYOUT_H               800
#define LAYOUT_TABBAR          40 /* a pager's tab bar */
#define LAYOUT_MIX_STRIPS      12 /* stems per mixer page */
#define LAYOUT_STEMS_PER_GROUP 8  /* stem pages per top-level tab (more: a tab of tabs) */
#define LAYOUT_ADDR_MAX        128
#define LAYOUT_NAME_MAX        64

enum layout_kind {
    LK_FADER,   /* continuous, vertical: sends and receives addr */
    LK_KNOB,    /* continuous, round: sends and receives addr */
    LK_TOGGLE,  /* 0/1: sends and receives addr */
    LK_RADIO,   /* one of steps choices (names): step k sends smin + k * (smax - smin) */
    LK_VALUE,   /* a label showing the string stemd sends to addr (a PATH/text) */
    LK_METER,   /* a display-only bar: addr's float, smin..smax shown as empty..full */
    LK_READOUT, /* a display-only number: addr's float */
    LK_CAPTION, /* fixed text (label) */
    LK_ACTION   /* a button that sends addr with the constant string arguments args */
};

struct layout_ctl {
    enum layout_kind kind;
    float x, y, w, h;           /* within its page, points */
    char name[LAYOUT_NAME_MAX]; /* unique in the document (the control's OSC-free identity) */
    char label[LAYOUT_NAME_MAX];
    char addr[LAYOUT_ADDR_MAX];
    /* The OSC argument: the control's travel x (0..1; a radio's step index 0..steps-1) is sent
     * as smin + x * (smax - smin), and a received value maps back the same way. */
    double smin, smax;
    unsigned steps;     /* LK_RADIO */
    char choices[1024]; /* LK_RADIO: the step names, '|' between */
    char args[64];      /* LK_ACTION: constant arguments, ' ' between (a number: an int) */
};

struct layout_page {
    char title[LAYOUT_NAME_MAX];
    struct layout_ctl *ctl;
    unsigned nctl, capctl;
    struct layout_page *sub; /* a page of pages (a tab holding tabs) instead of controls */
    unsigned nsub;
};

struct layout_doc {
    unsigned nstems;
    char stems[STEMD_MAX_STEMS][STEMD_STEM_NAME_MAX];
    char host[256]; /* "" when not given: the app's own connection settings decide */
    unsigned port;
    unsigned reply_port;      /* the port /subscribe asks feedback to; 0: the one it came from */
    char subscribe[64];       /* /subscribe's arguments, words: "[REPLY_PORT] norm names" */
    struct layout_page *page; /* top-level tabs */
    unsigned npage;
};

/* Build the layout for these stems (names[k] is stem k+1, each a valid stem name). host may
 * be NULL. reply_port: where the app listens when that is not the port it sends from (0: it
 * is). Returns 0, or -1 with a reason in err (out of memory, a bad stem name, no stems). */
int layout_build(struct layout_doc *d, unsigned nstems, const char *const *names, const char *host,
                 unsigned port, unsigned reply_port, char *err, size_t errlen);
void layout_free(struct layout_doc *d);

/* The writers: the whole document to f. Return 0, or -1 with a reason in err. */
int layout_write_tosc(const struct layout_doc *d, FILE *f, char *err, size_t errlen);
int layout_write_ostc(const struct layout_doc *d, FILE *f, char *err, size_t errlen);

/* A growing text buffer for the writers; oom is set (and text dropped) when it cannot grow. */
struct layout_buf {
    char *p;
    size_t len, cap;
    int oom;
};
void layout_buf_printf(struct layout_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* s with XML's (xml 1) or JSON's (xml 0) special characters escaped. */
void layout_buf_escaped(struct layout_buf *b, const char *s, int xml);
void layout_buf_free(struct layout_buf *b);

#endif
