// Command hello serves a greeting over HTTP.
//
// With -print it writes the greeting to stdout and exits, which is handy for
// checking an image without starting a server: docker run --rm IMAGE -print
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"runtime"
)

func greeting(name string) string {
	if name == "" {
		name = "world"
	}
	return fmt.Sprintf("Hello, %s! (built with %s)\n", name, runtime.Version())
}

func main() {
	printOnly := flag.Bool("print", false, "print the greeting and exit")
	flag.Parse()

	if *printOnly {
		fmt.Print(greeting(flag.Arg(0)))
		return
	}

	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}

	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, greeting(r.URL.Query().Get("name")))
	})
	http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})

	log.Printf("listening on :%s", port)
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
