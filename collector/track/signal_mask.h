/*
 * signal_mask.h - what thread_hooks.c needs of signal_mask.c: the signals
 * bbx keeps deliverable in every thread (SIGSEGV, SIGBUS, SIGILL, SIGFPE,
 * SIGTRAP, SIGABRT, SIGSYS and bbx's thread signal).
 */
#ifndef BBX_SIGNAL_MASK_H
#define BBX_SIGNAL_MASK_H

/* Unblocks the kept signals in the calling thread (a raw rt_sigprocmask,
 * nothing else changes).  Async-signal-safe. */
void sigmask_keep_deliverable(void);

#endif
