#ifndef TICKETING_CLIBPQ_SHIM_H
#define TICKETING_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
