/* fetch: download a URL into memory with libcurl, then print it with its size and content type.
 *
 * Adapted from curl/curl, docs/examples/getinmemory.c (curl license, an MIT/X derivative,
 * Daniel Stenberg and contributors): rewritten for this example with the same approach, a
 * write callback that grows a buffer. Works with any protocol libcurl was built with, file://
 * included, so it runs offline:
 *     fetch file:///etc/debian_version
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

struct buffer {
    char *data;
    size_t size;
};

static size_t collect(void *contents, size_t size, size_t nmemb, void *userp)
{
    size_t n = size * nmemb;
    struct buffer *buf = userp;
    char *grown = realloc(buf->data, buf->size + n + 1);
    if (grown == NULL) {
        fprintf(stderr, "fetch: out of memory\n");
        return 0;
    }
    buf->data = grown;
    memcpy(buf->data + buf->size, contents, n);
    buf->size += n;
    buf->data[buf->size] = '\0';
    return n;
}

int main(int argc, char **argv)
{
    struct buffer buf = { malloc(1), 0 };
    CURL *curl;
    CURLcode res;
    int status = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: fetch URL\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_ALL);
    curl = curl_easy_init();
    if (curl == NULL) {
        fprintf(stderr, "fetch: curl_easy_init failed\n");
        return 1;
    }
    curl_easy_setopt(curl, CURLOPT_URL, argv[1]);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, (void *)&buf);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "fetch/1.0");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);

    res = curl_easy_perform(curl);
    if (res != CURLE_OK) {
        fprintf(stderr, "fetch: %s\n", curl_easy_strerror(res));
        status = 1;
    } else {
        fwrite(buf.data, 1, buf.size, stdout);
        printf("-- %lu bytes from %s (libcurl %s)\n", (unsigned long)buf.size, argv[1],
               curl_version_info(CURLVERSION_NOW)->version);
    }
    curl_easy_cleanup(curl);
    free(buf.data);
    curl_global_cleanup();
    return status;
}
