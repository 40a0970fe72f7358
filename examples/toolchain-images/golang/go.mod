module github.com/example/quote-api

go 1.22
