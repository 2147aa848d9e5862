#ifndef TICKETING_CHIREDIS_SHIM_H
#define TICKETING_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#endif
