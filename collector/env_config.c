/*
 * env_config.c - BBX_* environment variables for the fields a bbx_config
 * leaves unset.  STUB: to be written (issue 4).
 */
#include "collector.h"

int config_from_env(bbx_config *c)
{
    (void)c;
    return 0;
}
