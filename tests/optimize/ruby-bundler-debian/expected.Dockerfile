FROM ruby:3.3 AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential libpq-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY Gemfile Gemfile.lock ./
RUN bundle install --jobs 4
RUN find /usr/local/bundle /app/Gemfile.lock -type f \( -perm -u+x -o -name '*.so*' \) -exec ldd {} + > /tmp/ldd.txt 2>/dev/null; \
    awk '$3 ~ /^\// && !seen[$3]++ {print $3; if ($3 ~ /^\/lib/) print "/usr" $3}' /tmp/ldd.txt > /tmp/libs.txt; \
    xargs -r -a /tmp/libs.txt dpkg -S > /tmp/owners.txt 2>/dev/null; \
    awk -F: '!/^diversion/ && !seen[$1]++ {print $1}' /tmp/owners.txt > /tmp/runtime-packages.txt \
    && rm -f /tmp/ldd.txt /tmp/libs.txt /tmp/owners.txt

FROM ruby:3.3-slim
COPY --from=build /tmp/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update \
    && xargs -a /tmp/runtime-packages.txt apt-get install -y --no-install-recommends libpq5 \
    && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt
WORKDIR /app
COPY Gemfile Gemfile.lock ./
COPY --from=build /usr/local/bundle /usr/local/bundle
COPY --from=build /app/Gemfile.lock /app/Gemfile.lock
COPY . .
EXPOSE 3000
CMD ["bundle", "exec", "puma", "-C", "config/puma.rb"]
