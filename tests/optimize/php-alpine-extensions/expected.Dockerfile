FROM php:8.3-fpm-alpine3.19 AS build

# build dependencies of the extensions
RUN apk add --no-cache --virtual .build-deps $PHPIZE_DEPS icu-dev libzip-dev \
    && apk add --no-cache git unzip

RUN docker-php-ext-install -j"$(nproc)" intl zip pdo_mysql
RUN pecl install redis-6.0.2 \
    && docker-php-ext-enable redis \
    && echo "redis.session.locking_enabled=1" > /usr/local/etc/php/conf.d/redis-session.ini

FROM php:8.3-fpm-alpine3.19
RUN apk add --no-cache icu-libs libzip git unzip libstdc++
COPY --from=build /usr/local/lib/php/extensions /usr/local/lib/php/extensions
COPY --from=build /usr/local/etc/php /usr/local/etc/php

COPY --from=composer:2 /usr/bin/composer /usr/local/bin/composer
WORKDIR /var/www/html
COPY . .
RUN composer install --no-dev --optimize-autoloader

EXPOSE 9000
CMD ["php-fpm"]
