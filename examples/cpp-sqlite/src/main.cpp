// sqlite-eval: run the SQL read from stdin against a database and print each result row.
//
// A C++ take on the command-line program of SQLite's "SQLite In 5 Minutes Or Less" quickstart
// (sqlite.org/quickstart.html, public domain): the same sqlite3_exec() callback that prints
// "column = value" lines, reading the statements from stdin instead of argv.

#include <sqlite3.h>

#include <iostream>
#include <iterator>
#include <string>

namespace {

int print_row(void*, int columns, char** values, char** names) {
    for (int i = 0; i < columns; ++i) {
        std::cout << names[i] << " = " << (values[i] ? values[i] : "NULL") << '\n';
    }
    std::cout << '\n';
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string path = argc > 1 ? argv[1] : ":memory:";
    if (path == "--version") {
        std::cout << "sqlite-eval with SQLite " << sqlite3_libversion() << '\n';
        return 0;
    }
    const std::string sql{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};

    sqlite3* db = nullptr;
    if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
        std::cerr << "cannot open database " << path << ": " << sqlite3_errmsg(db) << '\n';
        sqlite3_close(db);
        return 1;
    }
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), print_row, nullptr, &error);
    if (rc != SQLITE_OK) {
        std::cerr << "SQL error: " << error << '\n';
        sqlite3_free(error);
    }
    sqlite3_close(db);
    return rc == SQLITE_OK ? 0 : 1;
}
