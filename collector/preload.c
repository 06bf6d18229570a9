/*
 * preload.c - libbbx-preload.so: starts the collector from the environment
 * when the library is loaded.  STUB: to be written (issue 4).
 */
#include "collector.h"
