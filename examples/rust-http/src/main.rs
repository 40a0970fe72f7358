//! A small HTTP server adapted from the final project of "The Rust Programming Language"
//! (rust-lang/book, chapter 20, "Building a Single-Threaded Web Server"), std only.
//!
//! It serves `static/hello.html` for `/` and `static/404.html` for anything else, read from the
//! working directory on every request, like the book's version.

use std::env;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};

fn main() {
    let port = env::var("PORT").unwrap_or_else(|_| "7878".to_string());
    let listener = TcpListener::bind(format!("0.0.0.0:{port}")).expect("cannot bind");
    println!("listening on :{port}");
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => handle_connection(stream),
            Err(err) => eprintln!("connection failed: {err}"),
        }
    }
}

fn handle_connection(mut stream: TcpStream) {
    let reader = BufReader::new(&stream);
    let request_line = match reader.lines().next() {
        Some(Ok(line)) => line,
        _ => return,
    };
    let (status_line, filename) = if request_line == "GET / HTTP/1.1" {
        ("HTTP/1.1 200 OK", "static/hello.html")
    } else {
        ("HTTP/1.1 404 NOT FOUND", "static/404.html")
    };
    let contents = fs::read_to_string(filename).unwrap_or_else(|err| format!("cannot read {filename}: {err}\n"));
    let length = contents.len();
    let response = format!("{status_line}\r\nContent-Length: {length}\r\nContent-Type: text/html\r\n\r\n{contents}");
    let _ = stream.write_all(response.as_bytes());
}
