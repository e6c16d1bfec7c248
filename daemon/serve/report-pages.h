/*
 * report-pages.h: the staff pages' promise report (SPEC §16): /report, a
 * month's figures per team with a chart, and /report.csv.
 */
#ifndef REPORT_PAGES_H
#define REPORT_PAGES_H

#include "serve/api.h"

extern const struct api_module report_pages;

#endif
