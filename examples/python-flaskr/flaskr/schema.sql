DROP TABLE IF EXISTS post;

CREATE TABLE post (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  author TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL
);

INSERT INTO post (author, title, body)
VALUES ('flaskr', 'Hello', 'The first post, written by schema.sql.');
