#ifndef VIGIL_CCURL_H
#define VIGIL_CCURL_H
#include <curl/curl.h>
#endif
