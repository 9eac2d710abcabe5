/* The canonical timestamp text both C fast paths accept (_copy_lines.c for export files,
 * _record_checks.c for stream batches), as column_sql.timestamp and record_checks'
 * _timestamp check it: one rule, so the two cannot drift apart. Included by each. */
#ifndef TIMESTAMP_TEXT_H
#define TIMESTAMP_TEXT_H

#include <string.h>

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static int leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* column_sql.timestamp's forms: YYYY-MM-DD[T ]HH:MM:SS, then nothing or '.' and 1-7
 * digits, then nothing or one Z; a real instant (no offsets: those take the SQL path).
 * Writes the stored text 'YYYY-MM-DD HH:MM:SS.ffffff' (26 bytes; a 7th digit is cut). */
static int timestamp_text(const unsigned char *s, size_t n, char out[27]) {
    if (n < 19 || n > 28) return 0;
    static const char layout[] = "dddd-xd-yd?zd:wd:wd";
    for (int i = 0; i < 19; i++) {
        unsigned char c = s[i];
        switch (layout[i]) {
        case 'd': if (!is_digit(c)) return 0; break;
        case 'x': if (c != '0' && c != '1') return 0; break;
        case 'y': if (c < '0' || c > '3') return 0; break;
        case 'z': if (c < '0' || c > '2') return 0; break;
        case 'w': if (c < '0' || c > '5') return 0; break;
        case '?': if (c != 'T' && c != ' ') return 0; break;
        default: if (c != (unsigned char)layout[i]) return 0;
        }
    }
    size_t i = 19, digits = 0;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && is_digit(s[i]) && digits < 7) { i++; digits++; }
        if (digits == 0) return 0;
    }
    if (i < n && (s[i] == 'Z' || s[i] == 'z')) i++;
    if (i != n) return 0;
    int year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int month = (s[5] - '0') * 10 + (s[6] - '0');
    int day = (s[8] - '0') * 10 + (s[9] - '0');
    int hour = (s[11] - '0') * 10 + (s[12] - '0');
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1 || month < 1 || month > 12 || hour > 23 || day < 1) return 0;
    if (day > days[month - 1] + (month == 2 && leap(year))) return 0;
    memcpy(out, s, 19);
    out[10] = ' ';
    out[19] = '.';
    for (size_t k = 0; k < 6; k++) out[20 + k] = k < digits ? (char)s[20 + k] : '0';
    out[26] = '\0';
    return 1;
}

#endif
