/*
 * report.h: GET /v1/report, how often the promise was kept (SPEC §9).
 */
#ifndef SERVE_REPORT_H
#define SERVE_REPORT_H

#include "serve/api.h"

extern const struct api_module report_api;

#endif
