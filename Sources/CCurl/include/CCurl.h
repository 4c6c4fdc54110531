#ifndef VIGIL_CCURL_H
#define VIGIL_CCURL_H

/* Non-variadic wrappers around libcurl's variadic entry points, so Swift can
 * call them. One wrapper per argument kind; nothing else lives here. */

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

/* Constants Swift cannot import from macros built out of other macros. */
static const long vigil_CURLPAUSE_CONT = CURLPAUSE_CONT;
static const size_t vigil_CURL_WRITEFUNC_PAUSE = CURL_WRITEFUNC_PAUSE;
static const long vigil_CURLPIPE_MULTIPLEX = CURLPIPE_MULTIPLEX;
static const long vigil_CURL_GLOBAL_DEFAULT = CURL_GLOBAL_DEFAULT;
static const unsigned int vigil_CURL_BLOB_COPY = CURL_BLOB_COPY;
static const int vigil_CURL_ERROR_SIZE = CURL_ERROR_SIZE;

/* curl_easy_setopt */
CURLcode vigil_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode vigil_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);
/* Strings, curl_slist *, struct curl_blob *, user-data pointers, char error buffers. */
CURLcode vigil_easy_setopt_pointer(CURL *handle, CURLoption option, const void *value);
/* CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION share this signature. */
CURLcode vigil_easy_setopt_write_callback(CURL *handle, CURLoption option, curl_write_callback callback);
CURLcode vigil_easy_setopt_read_callback(CURL *handle, CURLoption option, curl_read_callback callback);
CURLcode vigil_easy_setopt_xferinfo_callback(CURL *handle, CURLoption option, curl_xferinfo_callback callback);

/* curl_easy_getinfo */
CURLcode vigil_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode vigil_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value);
CURLcode vigil_easy_getinfo_double(CURL *handle, CURLINFO info, double *value);
CURLcode vigil_easy_getinfo_string(CURL *handle, CURLINFO info, const char **value);
CURLcode vigil_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value);

/* curl_multi_setopt */
CURLMcode vigil_multi_setopt_long(CURLM *handle, CURLMoption option, long value);
CURLMcode vigil_multi_setopt_pointer(CURLM *handle, CURLMoption option, const void *value);

#endif
