/*
 * conversations.h: the staff API's conversation routes (list, read,
 * record a response), and how a stored conversation is shown.
 */
#ifndef CONVERSATIONS_H
#define CONVERSATIONS_H

#include "serve/api.h"

extern const struct api_module conversations_api;

#endif
