/*
 * unit_run.h - the main() every Check program here shares: run one suite,
 * each test in its own process (Check's fork mode, the default, so a crash
 * or a leak under the sanitizers fails that test only), exit non-zero when
 * any test failed.
 */
#ifndef BBX_UNIT_RUN_H
#define BBX_UNIT_RUN_H

#include <check.h>
#include <stdlib.h>

static inline int unit_run(Suite *suite)
{
    SRunner *sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
