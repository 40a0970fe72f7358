/* wordfreq: print the N most frequent words read from stdin.
 *
 * Usage: wordfreq [-n N] < text
 * Words are runs of letters, compared case-insensitively.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORD 64

struct entry {
    char word[MAX_WORD];
    long count;
};

static struct entry *table;
static size_t used, cap;

static void add(const char *word)
{
    for (size_t i = 0; i < used; i++) {
        if (strcmp(table[i].word, word) == 0) {
            table[i].count++;
            return;
        }
    }
    if (used == cap) {
        cap = cap ? cap * 2 : 256;
        table = realloc(table, cap * sizeof *table);
        if (table == NULL) {
            perror("realloc");
            exit(1);
        }
    }
    strcpy(table[used].word, word);
    table[used].count = 1;
    used++;
}

static int by_count(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->word, y->word);
}

int main(int argc, char **argv)
{
    long limit = 10;
    char word[MAX_WORD];
    size_t len = 0;
    int c;

    if (argc == 3 && strcmp(argv[1], "-n") == 0)
        limit = strtol(argv[2], NULL, 10);
    else if (argc != 1) {
        fprintf(stderr, "usage: %s [-n N] < text\n", argv[0]);
        return 2;
    }

    while ((c = getchar()) != EOF) {
        if (isalpha(c)) {
            if (len < MAX_WORD - 1)
                word[len++] = (char)tolower(c);
        } else if (len > 0) {
            word[len] = '\0';
            add(word);
            len = 0;
        }
    }
    if (len > 0) {
        word[len] = '\0';
        add(word);
    }

    qsort(table, used, sizeof *table, by_count);
    for (size_t i = 0; i < used && (long)i < limit; i++)
        printf("%7ld %s\n", table[i].count, table[i].word);
    free(table);
    return 0;
}
