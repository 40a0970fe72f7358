// gowiki: the wiki from Go's "Writing Web Applications" tutorial, standard library only.
//
// Adapted from golang/website, _content/doc/articles/wiki/final.go (BSD-3-Clause, The Go
// Authors): rewritten for this example, with the same shape. Pages are text files in data/,
// rendered with the HTML templates in templates/; both folders are read relative to the working
// directory, as in the tutorial.
package main

import (
	"html/template"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
)

type Page struct {
	Title string
	Body  []byte
}

func pagePath(title string) string { return filepath.Join("data", title+".txt") }

func (p *Page) save() error {
	return os.WriteFile(pagePath(p.Title), p.Body, 0o600)
}

func loadPage(title string) (*Page, error) {
	body, err := os.ReadFile(pagePath(title))
	if err != nil {
		return nil, err
	}
	return &Page{Title: title, Body: body}, nil
}

var templates = template.Must(template.ParseFiles("templates/edit.html", "templates/view.html"))

func renderTemplate(w http.ResponseWriter, name string, p *Page) {
	if err := templates.ExecuteTemplate(w, name+".html", p); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

func viewHandler(w http.ResponseWriter, r *http.Request, title string) {
	p, err := loadPage(title)
	if err != nil {
		http.Redirect(w, r, "/edit/"+title, http.StatusFound)
		return
	}
	renderTemplate(w, "view", p)
}

func editHandler(w http.ResponseWriter, r *http.Request, title string) {
	p, err := loadPage(title)
	if err != nil {
		p = &Page{Title: title}
	}
	renderTemplate(w, "edit", p)
}

func saveHandler(w http.ResponseWriter, r *http.Request, title string) {
	p := &Page{Title: title, Body: []byte(r.FormValue("body"))}
	if err := p.save(); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	http.Redirect(w, r, "/view/"+title, http.StatusFound)
}

var validPath = regexp.MustCompile("^/(edit|save|view)/([a-zA-Z0-9]+)$")

func makeHandler(fn func(http.ResponseWriter, *http.Request, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m := validPath.FindStringSubmatch(r.URL.Path)
		if m == nil {
			http.NotFound(w, r)
			return
		}
		fn(w, r, m[2])
	}
}

func main() {
	http.HandleFunc("/view/", makeHandler(viewHandler))
	http.HandleFunc("/edit/", makeHandler(editHandler))
	http.HandleFunc("/save/", makeHandler(saveHandler))
	http.Handle("/", http.RedirectHandler("/view/FrontPage", http.StatusFound))
	addr := ":" + os.Getenv("PORT")
	if addr == ":" {
		addr = ":8080"
	}
	log.Printf("gowiki listening on %s", addr)
	log.Fatal(http.ListenAndServe(addr, nil))
}
