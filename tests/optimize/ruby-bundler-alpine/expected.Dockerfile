FROM ruby:3.2-alpine3.19 AS build
RUN apk add --no-cache build-base postgresql-dev tzdata
WORKDIR /srv/app
COPY . /srv/app
RUN bundle config set without 'development test' \
    && bundle install

FROM ruby:3.2-alpine3.19
RUN apk add --no-cache libpq tzdata
WORKDIR /srv/app
COPY . /srv/app
COPY --from=build /usr/local/bundle /usr/local/bundle
COPY --from=build /srv/app/Gemfile.lock /srv/app/Gemfile.lock
RUN adduser -D app
USER app
EXPOSE 4567
CMD ["ruby", "app.rb"]
